//! Chat messages: roles, content (text or parts), tool calls.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::macros::open_enum;

open_enum! {
    /// Who wrote a message (`assistant` by default, as answers without a role read).
    #[derive(Default)]
    pub enum Role {
        /// Instructions from the application (older models).
        System => "system",
        /// Instructions from the application (newer OpenAI models).
        Developer => "developer",
        /// The end user.
        User => "user",
        /// The model.
        #[default]
        Assistant => "assistant",
        /// The result of a tool call.
        Tool => "tool",
        /// The result of a legacy function call.
        Function => "function",
    }
}

open_enum! {
    /// How closely a vision model looks at an image.
    pub enum ImageDetail {
        /// Let the model decide.
        Auto => "auto",
        /// A low-resolution pass (cheaper).
        Low => "low",
        /// A high-resolution pass.
        High => "high",
    }
}

open_enum! {
    /// The type of a tool (and of a tool call); `function` by default.
    #[derive(Default)]
    pub enum ToolType {
        /// A function the model can call.
        #[default]
        Function => "function",
    }
}

/// An image given by URL or as a `data:` URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageUrl {
    /// `https://…` or `data:image/png;base64,…`.
    pub url: String,
    /// Resolution hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<ImageDetail>,
    /// Requesty's explicit MIME type for the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A file attached to a message (`input_file` and OpenAI's `file` part).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FilePart {
    /// The id of an uploaded file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// The file's bytes as a base64 `data:` URL or bare base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_data: Option<String>,
    /// A URL the provider can fetch the file from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// The file's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Audio given inline to an audio-capable model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputAudio {
    /// Base64-encoded audio.
    pub data: String,
    /// `wav`, `mp3`, …
    pub format: String,
}

/// One part of a multi-part message content.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ContentPart {
    /// `{"type":"text","text":…}`
    Text {
        /// The text.
        text: String,
    },
    /// `{"type":"image_url","image_url":{…}}`
    ImageUrl {
        /// The image.
        image_url: ImageUrl,
    },
    /// `{"type":"input_audio","input_audio":{…}}`
    InputAudio {
        /// The audio.
        input_audio: InputAudio,
    },
    /// `{"type":"file","file":{…}}` (OpenAI chat completions).
    File {
        /// The file.
        file: FilePart,
    },
    /// `{"type":"input_file", …}` (file fields inline, as Requesty and the
    /// Responses API accept them).
    InputFile(FilePart),
    /// A part type this version does not know, kept verbatim.
    Other(Value),
}

impl ContentPart {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        ContentPart::Text { text: text.into() }
    }

    /// An image part from an `https://` or `data:` URL.
    pub fn image_url(url: impl Into<String>) -> Self {
        ContentPart::ImageUrl {
            image_url: ImageUrl {
                url: url.into(),
                detail: None,
                mime_type: None,
                extra: Map::new(),
            },
        }
    }

    /// An image part from base64 data, sent as a `data:` URL with its MIME type.
    pub fn image_base64(mime_type: impl Into<String>, base64_data: impl AsRef<str>) -> Self {
        let mime_type = mime_type.into();
        ContentPart::ImageUrl {
            image_url: ImageUrl {
                url: format!("data:{mime_type};base64,{}", base64_data.as_ref()),
                detail: None,
                mime_type: Some(mime_type),
                extra: Map::new(),
            },
        }
    }

    /// A file part (`input_file`) with base64 data and a file name, e.g. a PDF.
    pub fn input_file(filename: impl Into<String>, file_data: impl Into<String>) -> Self {
        ContentPart::InputFile(FilePart {
            filename: Some(filename.into()),
            file_data: Some(file_data.into()),
            ..FilePart::default()
        })
    }

    /// The text of a text part.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ContentPart::Text { text } => Some(text),
            _ => None,
        }
    }
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum PartSer<'a> {
    Text { text: &'a str },
    ImageUrl { image_url: &'a ImageUrl },
    InputAudio { input_audio: &'a InputAudio },
    File { file: &'a FilePart },
    InputFile(&'a FilePart),
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum PartDe {
    Text { text: String },
    ImageUrl { image_url: ImageUrl },
    InputAudio { input_audio: InputAudio },
    File { file: FilePart },
    InputFile(FilePart),
}

impl Serialize for ContentPart {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ContentPart::Text { text } => PartSer::Text { text }.serialize(s),
            ContentPart::ImageUrl { image_url } => PartSer::ImageUrl { image_url }.serialize(s),
            ContentPart::InputAudio { input_audio } => {
                PartSer::InputAudio { input_audio }.serialize(s)
            }
            ContentPart::File { file } => PartSer::File { file }.serialize(s),
            ContentPart::InputFile(f) => PartSer::InputFile(f).serialize(s),
            ContentPart::Other(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ContentPart {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let known = matches!(
            value.get("type").and_then(Value::as_str),
            Some("text" | "image_url" | "input_audio" | "file" | "input_file")
        );
        if !known {
            return Ok(ContentPart::Other(value));
        }
        Ok(
            match PartDe::deserialize(value).map_err(D::Error::custom)? {
                PartDe::Text { text } => ContentPart::Text { text },
                PartDe::ImageUrl { image_url } => ContentPart::ImageUrl { image_url },
                PartDe::InputAudio { input_audio } => ContentPart::InputAudio { input_audio },
                PartDe::File { file } => ContentPart::File { file },
                PartDe::InputFile(f) => ContentPart::InputFile(f),
            },
        )
    }
}

/// A message's content: a plain string or a list of parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// Text, images, audio and files.
    Parts(Vec<ContentPart>),
}

// By hand rather than `untagged`: that buffers every value (a copy of each
// message's text) before trying the variants, and its error names neither.
impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Content;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an array of content parts")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Content, E> {
                Ok(Content::Text(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Content, E> {
                Ok(Content::Text(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Content, A::Error> {
                let mut parts = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(p) = seq.next_element::<ContentPart>()? {
                    parts.push(p);
                }
                Ok(Content::Parts(parts))
            }
        }
        d.deserialize_any(V)
    }
}

impl Content {
    /// The text: the string itself, or the text parts joined (none if there are none).
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Content::Text(t) => Some(std::borrow::Cow::Borrowed(t)),
            Content::Parts(parts) => {
                let mut texts = parts.iter().filter_map(ContentPart::as_text).peekable();
                let first = texts.next()?;
                if texts.peek().is_none() {
                    return Some(std::borrow::Cow::Borrowed(first));
                }
                let mut joined = first.to_owned();
                for t in texts {
                    joined.push_str(t);
                }
                Some(std::borrow::Cow::Owned(joined))
            }
        }
    }

    /// Whether the content holds no text and no parts.
    pub fn is_empty(&self) -> bool {
        match self {
            Content::Text(t) => t.is_empty(),
            Content::Parts(p) => p.is_empty(),
        }
    }
}

impl From<String> for Content {
    fn from(s: String) -> Self {
        Content::Text(s)
    }
}

impl From<&str> for Content {
    fn from(s: &str) -> Self {
        Content::Text(s.to_owned())
    }
}

impl From<Vec<ContentPart>> for Content {
    fn from(p: Vec<ContentPart>) -> Self {
        Content::Parts(p)
    }
}

/// The name and JSON-encoded arguments of a function the model wants called.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionCall {
    /// The function's name.
    #[serde(default)]
    pub name: String,
    /// The arguments, as a JSON document in a string (as the model wrote it;
    /// it may be invalid JSON).
    #[serde(default)]
    pub arguments: String,
}

/// A tool call made by the model.
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ToolCall {
    /// The call's id, echoed back in the `tool` message that answers it.
    #[serde(default)]
    pub id: String,
    /// Always `function` today.
    #[serde(rename = "type", default)]
    pub kind: ToolType,
    /// The function and its arguments.
    #[serde(default)]
    pub function: FunctionCall,
    /// Fields this version does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

super::response::deserialize_open_struct!(ToolCall, "a ToolCall object", {
    id: "id",
    kind: "type",
    function: "function",
});

impl ToolCall {
    /// A function tool call.
    pub fn function(
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: impl Into<String>,
    ) -> Self {
        ToolCall {
            id: id.into(),
            kind: ToolType::Function,
            function: FunctionCall {
                name: name.into(),
                arguments: arguments.into(),
            },
            extra: Map::new(),
        }
    }
}

/// One message of a conversation, sent or received.
// `Deserialize`: `deserialize_open_struct!` below (unknown fields kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Message {
    /// Who wrote it (responses without a role read as `assistant`).
    #[serde(default)]
    pub role: Role,
    /// The content; `None` for an assistant turn that only calls tools
    /// (sent as `"content": null`, which chat templates of local servers
    /// such as llama-cpp-python need).
    #[serde(default)]
    pub content: Option<Content>,
    /// An optional participant name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The tool calls of an assistant turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// The id of the call a `tool` message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// The legacy single function call of an assistant turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_call: Option<FunctionCall>,
    /// The model's refusal, when it declined to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// The reasoning text some models return beside the answer
    /// (DeepSeek, Requesty, llama.cpp). Never sent back to a provider by
    /// [`ChatCompletion::assistant_message`](crate::ChatCompletion::assistant_message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
    /// Fields this version does not model (`audio`, `annotations`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

super::response::deserialize_open_struct!(Message, "a Message object", {
    role: "role",
    content: "content",
    name: "name",
    tool_calls: "tool_calls",
    tool_call_id: "tool_call_id",
    function_call: "function_call",
    refusal: "refusal",
    reasoning_content: "reasoning_content",
});

impl Message {
    /// A message with a role and content.
    pub fn new(role: Role, content: impl Into<Content>) -> Self {
        Message {
            role,
            content: Some(content.into()),
            ..Message::default()
        }
    }

    /// A `system` message.
    pub fn system(content: impl Into<Content>) -> Self {
        Self::new(Role::System, content)
    }

    /// A `developer` message.
    pub fn developer(content: impl Into<Content>) -> Self {
        Self::new(Role::Developer, content)
    }

    /// A `user` message (text, or parts such as images).
    pub fn user(content: impl Into<Content>) -> Self {
        Self::new(Role::User, content)
    }

    /// An `assistant` message (a previous answer, for multi-turn conversations).
    pub fn assistant(content: impl Into<Content>) -> Self {
        Self::new(Role::Assistant, content)
    }

    /// An assistant turn that calls tools.
    pub fn assistant_tool_calls(calls: impl IntoIterator<Item = ToolCall>) -> Self {
        Message {
            role: Role::Assistant,
            tool_calls: Some(calls.into_iter().collect()),
            ..Message::default()
        }
    }

    /// A `tool` message answering the call with id `tool_call_id`.
    pub fn tool(tool_call_id: impl Into<String>, content: impl Into<Content>) -> Self {
        Message {
            role: Role::Tool,
            content: Some(content.into()),
            tool_call_id: Some(tool_call_id.into()),
            ..Message::default()
        }
    }

    /// Sets the participant name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The text of the content, if any.
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.content.as_ref().and_then(Content::text)
    }

    /// The tool calls (empty if none).
    pub fn tool_calls(&self) -> &[ToolCall] {
        self.tool_calls.as_deref().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_a_string_or_parts_and_anything_else_is_named() {
        let t: Content = serde_json::from_str(r#""hi \u00e9""#).unwrap();
        assert_eq!(t, Content::Text("hi é".into()));
        let p: Content =
            serde_json::from_str(r#"[{"type":"text","text":"a"},{"type":"text","text":"b"}]"#)
                .unwrap();
        assert_eq!(p.text().as_deref(), Some("ab"));
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"[{"type":"text","text":"a"},{"type":"text","text":"b"}]"#
        );
        let e = serde_json::from_str::<Content>("42")
            .unwrap_err()
            .to_string();
        assert!(e.contains("a string or an array of content parts"), "{e}");
        let e = serde_json::from_str::<Content>(r#"[{"type":"text"}]"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("text"), "{e}");
    }
}
