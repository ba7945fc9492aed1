//! JSON Schemas for OpenAI-style strict structured outputs, derived from Rust
//! types.
//!
//! [`schema_for`] gives the schema [`schemars`] generates for a type (JSON
//! Schema 2020-12, shared types under `$defs`). [`strict_schema`] rewrites such
//! a schema into the subset OpenAI's strict mode (`"strict": true`) accepts:
//!
//! - every object gets `"additionalProperties": false` and lists all its
//!   properties in `required` (optional fields stay nullable, as schemars
//!   emits `Option<T>`: `"type": ["string", "null"]` or
//!   `anyOf: [..., {"type": "null"}]`);
//! - `oneOf` becomes `anyOf`; `allOf` is merged into its parent; a `$ref` with
//!   other keywords next to it (strict mode allows none) is inlined;
//! - unsupported keywords are removed, and those that tell the model something
//!   (`minLength`, `maxLength`, `uniqueItems`, `default`, `examples`, formats
//!   outside strict mode's list, ...) are appended to the `description`;
//! - a root that is not an object (a `Vec<T>`, an enum, a `String`, ...) is
//!   wrapped as the single property [`WRAPPER_PROPERTY`] of an object (see
//!   [`needs_wrapping`]);
//! - what strict mode cannot express (maps, free-form values, tuples, `not`,
//!   `if`/`then`/`else`) is an error naming the path of the offending schema.
//!
//! ```
//! use requesty::structured::schema::{schema_name, strict_schema_for};
//!
//! /// Today's weather.
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Weather {
//!     /// The city.
//!     city: String,
//!     /// Degrees Celsius, if known.
//!     celsius: Option<f64>,
//! }
//!
//! let schema = strict_schema_for::<Weather>()?;
//! assert_eq!(schema["required"], serde_json::json!(["celsius", "city"]));
//! assert_eq!(schema["additionalProperties"], false);
//! assert_eq!(schema_name::<Weather>(), "Weather");
//! # Ok::<(), requesty::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// The property that holds a wrapped root: a schema whose root is not an
/// object (see [`needs_wrapping`]) is sent as
/// `{"type": "object", "properties": {"value": <schema>}, "required": ["value"],
/// "additionalProperties": false}`, so the model answers `{"value": ...}`.
pub const WRAPPER_PROPERTY: &str = "value";

/// The formats strict mode accepts on strings; other formats are removed.
const STRING_FORMATS: &[&str] = &[
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uuid",
];

/// Formats schemars puts on Rust numbers; they only name the width, and the
/// range is in `minimum`/`maximum` where it matters, so they are removed
/// without a note.
const NUMERIC_FORMATS: &[&str] = &[
    "int", "int8", "int16", "int32", "int64", "int128", "uint", "uint8", "uint16", "uint32",
    "uint64", "uint128", "float", "double",
];

/// The keywords a strict schema may carry (`$defs` only at the root).
const SUPPORTED: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "anyOf",
    "$ref",
    "enum",
    "const",
    "description",
    "pattern",
    "format",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "minItems",
    "maxItems",
];

/// Unsupported keywords that are removed and noted in the description, in
/// the order the notes are written.
const NOTED: &[&str] = &[
    "minLength",
    "maxLength",
    "contentEncoding",
    "contentMediaType",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];

/// Keywords that are rewritten (kept until they are).
const REWRITTEN: &[&str] = &["oneOf", "allOf", "default", "examples"];

/// Keywords whose meaning strict mode cannot express: an error.
const REJECTED: &[(&str, &str)] = &[
    (
        "prefixItems",
        "is a tuple (`prefixItems`), which strict mode cannot express; use a struct with named fields",
    ),
    (
        "patternProperties",
        "uses `patternProperties` (a map), which strict mode cannot express; use a Vec of key/value structs",
    ),
    ("not", "uses `not`, which strict mode does not support"),
    ("if", "uses `if`, which strict mode does not support"),
    ("then", "uses `then`, which strict mode does not support"),
    ("else", "uses `else`, which strict mode does not support"),
    (
        "dependentSchemas",
        "uses `dependentSchemas`, which strict mode does not support",
    ),
    (
        "dependentRequired",
        "uses `dependentRequired`, which strict mode does not support",
    ),
    (
        "$defs",
        "has nested `$defs`; strict mode takes definitions only at the root",
    ),
    (
        "definitions",
        "has nested `definitions`; strict mode takes definitions only at the root",
    ),
];

/// The JSON types strict mode knows.
const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// The JSON Schema of `T` as schemars 1 generates it (draft 2020-12, shared
/// types under `$defs`), as a [`serde_json::Value`].
///
/// Pass it to [`strict_schema`] before sending it with `"strict": true`.
pub fn schema_for<T: ?Sized + JsonSchema>() -> Value {
    schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// [`schema_for`] followed by [`strict_schema`]: the strict-mode schema of `T`.
///
/// When [`needs_wrapping`]`(&schema_for::<T>())`, the model answers
/// `{"value": <T>}` (see [`WRAPPER_PROPERTY`]).
pub fn strict_schema_for<T: ?Sized + JsonSchema>() -> Result<Value> {
    strict_schema(schema_for::<T>())
}

/// Whether [`strict_schema`] wraps this schema (as [`schema_for`] gives it)
/// in an object, because its root is not a plain object: strict mode wants
/// `"type": "object"` at the root, not an `anyOf`, a `$ref`, an array or a
/// primitive.
///
/// When it does, the answer is `{"value": ...}` (see [`WRAPPER_PROPERTY`]) and
/// the caller parses the `value` member. Ask this of the schema given to
/// [`strict_schema`], not of its result (which is always an object).
pub fn needs_wrapping(schema: &Value) -> bool {
    let Some(m) = schema.as_object() else {
        return true;
    };
    let is_object = m.get("type").and_then(Value::as_str) == Some("object");
    !is_object
        || ["anyOf", "oneOf", "$ref", "enum", "const"]
            .iter()
            .any(|k| m.contains_key(*k))
}

/// A schema name derived from the type, as `response_format.json_schema.name`
/// wants it: the last path segment of [`std::any::type_name`], generic
/// arguments flattened into `_` (`Page<my::Item>` gives `Page_Item`), only
/// `[a-zA-Z0-9_-]`, at most 64 characters.
pub fn schema_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut parts: Vec<String> = Vec::new();
    for token in full.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
        let last = token.rsplit("::").next().unwrap_or(token);
        if matches!(last, "dyn" | "mut" | "const") {
            continue;
        }
        let clean: String = last
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if !clean.is_empty() {
            parts.push(clean);
        }
    }
    let mut name = parts.join("_");
    // Only ASCII is left, so any byte index is a char boundary.
    name.truncate(64);
    let name = name.trim_end_matches('_');
    if name.is_empty() {
        "schema".to_owned()
    } else {
        name.to_owned()
    }
}

/// Checks that every `$ref` in the schema resolves inside it: `#` (the root)
/// or a local JSON pointer (`#/$defs/Name`, ...) that names a schema.
///
/// The error names the schema holding the offending `$ref`.
pub fn check_refs(schema: &Value) -> Result<()> {
    let mut result = Ok(());
    walk(schema, "schema", &mut |node, path| {
        if result.is_err() {
            return;
        }
        let Some(r) = node.get("$ref") else {
            return;
        };
        let ok = match r.as_str() {
            Some("#") => true,
            Some(s) => s.strip_prefix('#').is_some_and(|pointer| {
                pointer.starts_with('/')
                    && schema
                        .pointer(&percent_decode(pointer))
                        .is_some_and(|t| t.is_object() || t.is_boolean())
            }),
            None => false,
        };
        if !ok {
            result = Err(Error::invalid_request(
                path,
                format!("has a `$ref` ({r}) that does not resolve inside the schema"),
            ));
        }
    });
    result
}

/// Rewrites a JSON Schema into the subset OpenAI's strict mode accepts.
///
/// The rules (see the [module docs](self)): objects get
/// `"additionalProperties": false` and all their properties in `required`;
/// `oneOf` becomes `anyOf`; `allOf` is merged (several parts only when all are
/// objects); a `$ref` with sibling keywords is inlined; `title`, `$schema` and
/// other unsupported keywords are removed, with limits, examples, defaults and
/// unknown formats noted in the `description` (e.g. `"(minLength: 3)"`,
/// `"Default: 7"`); a non-object root is wrapped (see [`needs_wrapping`]);
/// `$defs` stay at the root, unused ones are dropped, and every `$ref` of the
/// result resolves (see [`check_refs`]).
///
/// # Errors
///
/// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) naming the
/// path of the offending schema (e.g. `schema.properties.tags`) when the
/// schema uses what strict mode cannot express: a map (`HashMap<String, T>`;
/// use a Vec of key/value structs), a free-form value (`serde_json::Value`), a
/// tuple, `not`/`if`/`then`/`else`, an `allOf` of non-objects, conflicting
/// merged keywords, or a `$ref` that does not resolve.
pub fn strict_schema(schema: Value) -> Result<Value> {
    let mut root = match schema {
        Value::Object(m) => m,
        other => return Err(not_a_schema(&other, "schema")),
    };
    let mut defs = take_defs(&mut root)?;
    let title = root.remove("title");
    root.remove("$schema");
    root.remove("$id");
    root.remove("$comment");
    // Definitions get names made of `[A-Za-z0-9_.-]`, and references to them
    // (`#/$defs/...` or draft-07 `#/definitions/...`, maybe percent-encoded)
    // the plain form `#/$defs/<name>`.
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let mut safe_defs: BTreeMap<String, Value> = BTreeMap::new();
    for (name, def) in defs {
        let base = safe_name(&name, "Def");
        let mut new = base.clone();
        let mut n = 1;
        while safe_defs.contains_key(&new) {
            n += 1;
            new = format!("{base}{n}");
        }
        renamed.insert(name, new.clone());
        safe_defs.insert(new, def);
    }
    defs = safe_defs;
    let mut canonical_refs = |node: &mut Map<String, Value>| {
        if let Some(Value::String(r)) = node.get_mut("$ref")
            && let Some((name, rest)) = split_def_ref(r)
            && let Some(new) = renamed.get(&name)
        {
            *r = format!("#/$defs/{new}{rest}");
        }
    };
    walk_maps_mut(&mut root, &mut canonical_refs);
    for def in defs.values_mut() {
        walk_mut(def, &mut canonical_refs);
    }

    if needs_wrapping(&Value::Object(root.clone())) {
        let value = if refers_to_root(&root, &defs) {
            // The root refers to itself (`#`): move it into `$defs`, where the
            // references can still reach it once the wrapper is the root.
            let base = safe_name(title.as_ref().and_then(Value::as_str).unwrap_or(""), "Root");
            let mut name = base.clone();
            let mut n = 1;
            while defs.contains_key(&name) {
                n += 1;
                name = format!("{base}{n}");
            }
            let prefix = format!("#/$defs/{name}");
            let mut to_hoisted = |node: &mut Map<String, Value>| {
                if let Some(Value::String(r)) = node.get_mut("$ref") {
                    if r == "#" {
                        *r = prefix.clone();
                    } else if let Some(rest) = r.strip_prefix("#/")
                        && !rest.starts_with("$defs/")
                    {
                        *r = format!("{prefix}/{rest}");
                    }
                }
            };
            walk_maps_mut(&mut root, &mut to_hoisted);
            for def in defs.values_mut() {
                walk_mut(def, &mut to_hoisted);
            }
            defs.insert(name, Value::Object(root));
            Value::Object(Map::from_iter([("$ref".to_owned(), Value::String(prefix))]))
        } else {
            Value::Object(root)
        };
        root = Map::from_iter([
            ("type".to_owned(), Value::from("object")),
            (
                "properties".to_owned(),
                Value::Object(Map::from_iter([(WRAPPER_PROPERTY.to_owned(), value)])),
            ),
            ("required".to_owned(), Value::from(vec![WRAPPER_PROPERTY])),
            ("additionalProperties".to_owned(), Value::Bool(false)),
        ]);
    }

    let mut cx = Rewriter {
        root: root.clone(),
        defs,
        stack: Vec::new(),
    };
    let Value::Object(mut out) = cx.scoped(&["#".to_owned()], |cx| {
        cx.node(Value::Object(root), "schema")
    })?
    else {
        return Err(Error::invalid_request("schema", "is not an object"));
    };

    // Rewrite the definitions the result uses, and those they use in turn.
    let mut done: BTreeMap<String, Value> = BTreeMap::new();
    let mut todo: Vec<String> = referenced_defs(&Value::Object(out.clone()));
    while let Some(name) = todo.pop() {
        if done.contains_key(&name) {
            continue;
        }
        let Some(def) = cx.defs.get(&name).cloned() else {
            continue; // Reported by `check_refs` below.
        };
        let own_ref = format!("#/$defs/{name}");
        let rewritten = cx.scoped(&[own_ref], |cx| {
            cx.node(def, &format!("schema.$defs.{name}"))
        })?;
        todo.extend(referenced_defs(&rewritten));
        done.insert(name, rewritten);
    }
    if !done.is_empty() {
        out.insert(
            "$defs".to_owned(),
            Value::Object(done.into_iter().collect()),
        );
    }
    let out = Value::Object(out);
    check_refs(&out)?;
    Ok(out)
}

/// Removes the root's `$defs` (and draft-07 `definitions`) and returns them.
fn take_defs(root: &mut Map<String, Value>) -> Result<BTreeMap<String, Value>> {
    let mut defs = BTreeMap::new();
    for key in ["$defs", "definitions"] {
        match root.remove(key) {
            None => {}
            Some(Value::Object(m)) => {
                for (name, def) in m {
                    if defs.contains_key(&name) {
                        return Err(Error::invalid_request(
                            format!("schema.{key}.{name}"),
                            "is defined both in `$defs` and in `definitions`",
                        ));
                    }
                    defs.insert(name, def);
                }
            }
            Some(_) => {
                return Err(Error::invalid_request(
                    format!("schema.{key}"),
                    "is not an object of schemas",
                ));
            }
        }
    }
    Ok(defs)
}

/// Whether any `$ref` points into the root itself rather than into `$defs`.
fn refers_to_root(root: &Map<String, Value>, defs: &BTreeMap<String, Value>) -> bool {
    let mut found = false;
    let mut check = |node: &Map<String, Value>, _: &str| {
        if let Some(r) = node.get("$ref").and_then(Value::as_str)
            && (r == "#" || (r.starts_with("#/") && !r.starts_with("#/$defs/")))
        {
            found = true;
        }
    };
    walk_map(root, "schema", &mut check);
    for def in defs.values() {
        walk(def, "schema", &mut check);
    }
    found
}

/// The names of the `$defs` the schema's `$ref`s point into.
fn referenced_defs(schema: &Value) -> Vec<String> {
    let mut names = BTreeSet::new();
    walk(schema, "schema", &mut |node, _| {
        if let Some((name, _)) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(split_def_ref)
        {
            names.insert(name);
        }
    });
    names.into_iter().collect()
}

/// `s` with every character outside `[A-Za-z0-9_.-]` replaced by `_`, or
/// `fallback` when empty.
fn safe_name(s: &str, fallback: &str) -> String {
    if s.is_empty() {
        return fallback.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Splits a reference into a definition (`#/$defs/<name>` or
/// `#/definitions/<name>`) into the decoded name and the rest of the pointer
/// (empty, or starting with `/`).
fn split_def_ref(reference: &str) -> Option<(String, &str)> {
    let rest = reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/definitions/"))?;
    let (segment, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    Some((unescape_pointer(&percent_decode(segment)), tail))
}

/// RFC 6901: `~1` is `/`, `~0` is `~`.
fn unescape_pointer(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

/// Decodes `%XX` escapes (a URI fragment); invalid escapes stay as they are.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// The subschemas of a schema object, with the path suffix of each.
fn children(m: &Map<String, Value>) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (key, v) in m {
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                if let Value::Object(sub) = v {
                    out.extend(sub.iter().map(|(k, s)| (format!(".{key}.{k}"), s)));
                }
            }
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                if let Value::Array(a) = v {
                    out.extend(
                        a.iter()
                            .enumerate()
                            .map(|(i, s)| (format!(".{key}[{i}]"), s)),
                    );
                }
            }
            "items" => match v {
                Value::Array(a) => {
                    out.extend(
                        a.iter()
                            .enumerate()
                            .map(|(i, s)| (format!(".items[{i}]"), s)),
                    );
                }
                other => out.push((".items".to_owned(), other)),
            },
            "additionalProperties"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties" => {
                out.push((format!(".{key}"), v));
            }
            _ => {}
        }
    }
    out
}

/// Calls `f` on every schema object of `schema` (not on `enum`, `const` or
/// `default` values), with its path.
fn walk<'a>(schema: &'a Value, path: &str, f: &mut impl FnMut(&'a Map<String, Value>, &str)) {
    if let Value::Object(m) = schema {
        walk_map(m, path, f);
    }
}

fn walk_map<'a>(
    m: &'a Map<String, Value>,
    path: &str,
    f: &mut impl FnMut(&'a Map<String, Value>, &str),
) {
    f(m, path);
    for (suffix, child) in children(m) {
        walk(child, &format!("{path}{suffix}"), f);
    }
}

/// Calls `f` on every schema object of `schema`, mutably.
fn walk_mut(schema: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    if let Value::Object(m) = schema {
        walk_maps_mut(m, f);
    }
}

fn walk_maps_mut(m: &mut Map<String, Value>, f: &mut impl FnMut(&mut Map<String, Value>)) {
    f(m);
    for (key, v) in m.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                if let Value::Object(sub) = v {
                    sub.values_mut().for_each(|s| walk_mut(s, f));
                }
            }
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                if let Value::Array(a) = v {
                    a.iter_mut().for_each(|s| walk_mut(s, f));
                }
            }
            "items" => match v {
                Value::Array(a) => a.iter_mut().for_each(|s| walk_mut(s, f)),
                other => walk_mut(other, f),
            },
            "additionalProperties"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties" => walk_mut(v, f),
            _ => {}
        }
    }
}

fn not_a_schema(v: &Value, path: &str) -> Error {
    match v {
        Value::Bool(true) => any_value(path),
        Value::Bool(false) => {
            Error::invalid_request(path, "is the schema `false`, which no value matches")
        }
        other => Error::invalid_request(path, format!("is not a schema object: {other}")),
    }
}

fn any_value(path: &str) -> Error {
    Error::invalid_request(
        path,
        "accepts any JSON value (e.g. serde_json::Value), which strict mode cannot express; \
         use a concrete type",
    )
}

/// Whether a schema describes an object (for merging `allOf`).
fn is_object_schema(m: &Map<String, Value>) -> bool {
    match m.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(_) => false,
        None => m.contains_key("properties"),
    }
}

/// Whether the schema's `type` admits `ty` (no `type` admits everything).
fn admits_type(m: &Map<String, Value>, ty: &str) -> bool {
    match m.get("type") {
        None => true,
        Some(Value::String(t)) => t == ty,
        Some(Value::Array(a)) => a.iter().any(|t| t.as_str() == Some(ty)),
        Some(_) => false,
    }
}

/// JSON text of a value, strings unquoted.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Removes `format` values strict mode rejects and the keywords of [`NOTED`],
/// `default` and `examples`, appending what they say to the description.
fn move_notes_to_description(m: &mut Map<String, Value>) {
    let mut notes: Vec<String> = Vec::new();
    if let Some(format) = m.get("format").cloned() {
        let keep = format
            .as_str()
            .is_some_and(|f| STRING_FORMATS.contains(&f) && admits_type(m, "string"));
        if !keep {
            m.remove("format");
            if !format
                .as_str()
                .is_some_and(|f| NUMERIC_FORMATS.contains(&f))
            {
                notes.push(format!("format: {}", plain(&format)));
            }
        }
    }
    for key in NOTED {
        match (m.remove(*key), *key) {
            (None, _) | (Some(Value::Bool(false)), "uniqueItems") => {}
            (Some(Value::Bool(true)), "uniqueItems") => notes.push("unique items".to_owned()),
            (Some(v), key) => notes.push(format!("{key}: {}", plain(&v))),
        }
    }
    let mut extra: Vec<String> = Vec::new();
    if !notes.is_empty() {
        extra.push(format!("({})", notes.join(", ")));
    }
    match m.remove("default") {
        None | Some(Value::Null) => {}
        Some(d) => extra.push(format!("Default: {d}")),
    }
    match m.remove("examples") {
        None => {}
        Some(Value::Array(a)) if a.is_empty() => {}
        Some(Value::Array(a)) if a.len() == 1 => {
            let list: Vec<String> = a.iter().map(Value::to_string).collect();
            extra.push(format!("Example: {}", list.join(", ")));
        }
        Some(Value::Array(a)) => {
            let list: Vec<String> = a.iter().map(Value::to_string).collect();
            extra.push(format!("Examples: {}", list.join(", ")));
        }
        Some(other) => extra.push(format!("Example: {other}")),
    }
    if extra.is_empty() {
        return;
    }
    let mut parts: Vec<String> = Vec::new();
    if let Some(d) = m.get("description").and_then(Value::as_str)
        && !d.is_empty()
    {
        parts.push(d.to_owned());
    }
    parts.extend(extra);
    m.insert("description".to_owned(), Value::String(parts.join(" ")));
}

/// Merges two schemas that must both hold (`allOf`, or a `$ref` and its
/// siblings): `overlay`'s description wins, properties and `required` are
/// united, `additionalProperties: false` wins, other keywords must agree.
fn merge(
    mut base: Map<String, Value>,
    overlay: Map<String, Value>,
    path: &str,
) -> Result<Map<String, Value>> {
    for (key, value) in overlay {
        let Some(existing) = base.get_mut(&key) else {
            base.insert(key, value);
            continue;
        };
        if *existing == value {
            continue;
        }
        match key.as_str() {
            "description" => *existing = value,
            "properties" => {
                let (Value::Object(into), Value::Object(from)) = (&mut *existing, value) else {
                    return Err(Error::invalid_request(
                        path,
                        "has a `properties` that is not an object",
                    ));
                };
                for (name, schema) in from {
                    match into.get(&name) {
                        Some(old) if *old != schema => {
                            return Err(Error::invalid_request(
                                format!("{path}.properties.{name}"),
                                "is defined differently by schemas that are merged (`allOf`, or a `$ref` with siblings)",
                            ));
                        }
                        _ => {
                            into.insert(name, schema);
                        }
                    }
                }
            }
            "required" => {
                let (Value::Array(into), Value::Array(from)) = (&mut *existing, value) else {
                    return Err(Error::invalid_request(
                        path,
                        "has a `required` that is not an array",
                    ));
                };
                for name in from {
                    if !into.contains(&name) {
                        into.push(name);
                    }
                }
            }
            "additionalProperties" if *existing == Value::Bool(false) => {}
            "additionalProperties" if value == Value::Bool(false) => *existing = value,
            _ => {
                return Err(Error::invalid_request(
                    path,
                    format!(
                        "merges schemas (`allOf`, or a `$ref` with siblings) that disagree on `{key}`: {existing} and {value}"
                    ),
                ));
            }
        }
    }
    Ok(base)
}

/// The rewriting of one schema.
struct Rewriter {
    /// The root as given (after wrapping), for resolving `#` and `#/...`.
    root: Map<String, Value>,
    /// The definitions as given.
    defs: BTreeMap<String, Value>,
    /// The references being inlined or rewritten, outermost first; inlining
    /// one of them again would not end.
    stack: Vec<String>,
}

impl Rewriter {
    /// Runs `f` with `refs` on the stack.
    fn scoped<T>(&mut self, refs: &[String], f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let depth = self.stack.len();
        self.stack.extend(refs.iter().cloned());
        let out = f(self);
        self.stack.truncate(depth);
        out
    }

    /// The schema a reference points to, as given.
    fn resolve(&self, reference: &str, path: &str) -> Result<Map<String, Value>> {
        let target = if reference == "#" {
            Some(Value::Object(self.root.clone()))
        } else if let Some((name, pointer)) = split_def_ref(reference) {
            self.defs
                .get(&name)
                .and_then(|d| d.pointer(&percent_decode(pointer)))
                .cloned()
        } else if let Some(pointer) = reference.strip_prefix('#') {
            Value::Object(self.root.clone())
                .pointer(&percent_decode(pointer))
                .cloned()
        } else {
            None
        };
        match target {
            Some(Value::Object(m)) => Ok(m),
            Some(other) => Err(not_a_schema(&other, path)),
            None => Err(Error::invalid_request(
                path,
                format!("has a `$ref` ({reference}) that does not resolve inside the schema"),
            )),
        }
    }

    /// Rewrites one schema.
    fn node(&mut self, schema: Value, path: &str) -> Result<Value> {
        let mut m = match schema {
            Value::Object(m) => m,
            other => return Err(not_a_schema(&other, path)),
        };
        for (key, why) in REJECTED {
            if m.contains_key(*key) {
                return Err(Error::invalid_request(path, *why));
            }
        }
        if matches!(m.get("items"), Some(Value::Array(_))) {
            return Err(Error::invalid_request(
                path,
                "is a tuple (`items` array), which strict mode cannot express; use a struct with named fields",
            ));
        }
        m.retain(|k, _| {
            SUPPORTED.contains(&k.as_str())
                || NOTED.contains(&k.as_str())
                || REWRITTEN.contains(&k.as_str())
        });
        move_notes_to_description(&mut m);
        if let Some(one_of) = m.remove("oneOf") {
            if m.contains_key("anyOf") {
                return Err(Error::invalid_request(
                    path,
                    "has both `anyOf` and `oneOf`, which strict mode cannot combine",
                ));
            }
            m.insert("anyOf".to_owned(), one_of);
        }

        // `$ref` takes no siblings in strict mode: inline the target.
        if m.len() > 1
            && let Some(reference) = m.get("$ref").cloned()
        {
            let Value::String(reference) = reference else {
                return Err(Error::invalid_request(
                    path,
                    "has a `$ref` that is not a string",
                ));
            };
            m.remove("$ref");
            if m.keys().all(|k| k == "description") {
                if self.stack.contains(&reference) {
                    // Recursive: keep the reference, lose the description.
                    return Ok(Value::Object(Map::from_iter([(
                        "$ref".to_owned(),
                        Value::String(reference),
                    )])));
                }
                let target = self.resolve(&reference, path)?;
                let mut merged = target;
                merged.extend(m);
                return self.scoped(&[reference], |cx| cx.node(Value::Object(merged), path));
            }
            let rest = Value::Object(std::mem::take(&mut m));
            let parts = vec![
                Value::Object(Map::from_iter([(
                    "$ref".to_owned(),
                    Value::String(reference),
                )])),
                rest,
            ];
            m.insert("allOf".to_owned(), Value::Array(parts));
        }

        if let Some(all_of) = m.remove("allOf") {
            return self.merge_all_of(m, all_of, path);
        }

        // An object with properties next to `anyOf` (a flattened enum): each
        // variant gets the properties.
        if m.contains_key("anyOf") && (m.contains_key("properties") || is_object_schema(&m)) {
            let Some(Value::Array(variants)) = m.remove("anyOf") else {
                return Err(Error::invalid_request(
                    path,
                    "has an `anyOf` that is not an array",
                ));
            };
            let description = m.remove("description");
            let base = Value::Object(std::mem::take(&mut m));
            let variants = variants
                .into_iter()
                .map(|v| {
                    Value::Object(Map::from_iter([(
                        "allOf".to_owned(),
                        Value::Array(vec![v, base.clone()]),
                    )]))
                })
                .collect();
            m.insert("anyOf".to_owned(), Value::Array(variants));
            if let Some(d) = description {
                m.insert("description".to_owned(), d);
            }
        }

        self.check_type(&m, path)?;
        if let Some(any_of) = m.get_mut("anyOf") {
            let Value::Array(variants) = any_of else {
                return Err(Error::invalid_request(
                    path,
                    "has an `anyOf` that is not an array",
                ));
            };
            if variants.is_empty() {
                return Err(Error::invalid_request(path, "has an empty `anyOf`"));
            }
            for (i, v) in variants.iter_mut().enumerate() {
                *v = self.node(std::mem::take(v), &format!("{path}.anyOf[{i}]"))?;
            }
        }
        if ["properties", "additionalProperties", "required"]
            .iter()
            .any(|k| m.contains_key(*k))
            || (m.contains_key("type") && admits_type(&m, "object"))
        {
            self.object(&mut m, path)?;
        }
        if m.contains_key("items") || (m.contains_key("type") && admits_type(&m, "array")) {
            match m.remove("items") {
                Some(items) => {
                    let items = self.node(items, &format!("{path}.items"))?;
                    m.insert("items".to_owned(), items);
                }
                None => {
                    return Err(Error::invalid_request(
                        path,
                        "is an array without `items`, which strict mode cannot express",
                    ));
                }
            }
        }
        if !["type", "anyOf", "$ref", "enum", "const"]
            .iter()
            .any(|k| m.contains_key(*k))
        {
            return Err(any_value(path));
        }
        Ok(Value::Object(m))
    }

    /// Rejects types strict mode does not know.
    fn check_type(&self, m: &Map<String, Value>, path: &str) -> Result<()> {
        let ok = match m.get("type") {
            None => true,
            Some(Value::String(t)) => TYPES.contains(&t.as_str()),
            Some(Value::Array(a)) => {
                !a.is_empty()
                    && a.iter()
                        .all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t)))
            }
            Some(_) => false,
        };
        if ok {
            return Ok(());
        }
        let ty = m.get("type").cloned().unwrap_or_default();
        Err(Error::invalid_request(
            path,
            format!("has a `type` strict mode does not support: {ty}"),
        ))
    }

    /// Merges an `allOf` (its `$ref` parts resolved) with the rest of its
    /// schema, then rewrites the result.
    fn merge_all_of(
        &mut self,
        own: Map<String, Value>,
        all_of: Value,
        path: &str,
    ) -> Result<Value> {
        let Value::Array(parts) = all_of else {
            return Err(Error::invalid_request(
                path,
                "has an `allOf` that is not an array",
            ));
        };
        if parts.is_empty() {
            return Err(Error::invalid_request(path, "has an empty `allOf`"));
        }
        let several = parts.len() > 1;
        let mut refs: Vec<String> = Vec::new();
        let mut resolved: Vec<Map<String, Value>> = Vec::new();
        for (i, part) in parts.into_iter().enumerate() {
            let part_path = format!("{path}.allOf[{i}]");
            let Value::Object(mut part) = part else {
                return Err(not_a_schema(&part, &part_path));
            };
            if let Some(reference) = part.remove("$ref") {
                let Value::String(reference) = reference else {
                    return Err(Error::invalid_request(
                        part_path,
                        "has a `$ref` that is not a string",
                    ));
                };
                if self.stack.contains(&reference) || refs.contains(&reference) {
                    return Err(Error::invalid_request(
                        part_path,
                        format!(
                            "merges the recursive `$ref` {reference} with other keywords, which cannot be inlined"
                        ),
                    ));
                }
                let target = self.resolve(&reference, &part_path)?;
                part = merge(target, part, &part_path)?;
                refs.push(reference);
            }
            if several && !is_object_schema(&part) {
                return Err(Error::invalid_request(
                    part_path,
                    "is merged (`allOf`, a `$ref` with siblings, or properties next to `anyOf`/`oneOf`) \
                     but is not an object schema; strict mode has no `allOf`",
                ));
            }
            resolved.push(part);
        }
        let mut merged = Map::new();
        for part in resolved {
            merged = merge(merged, part, path)?;
        }
        let merged = merge(merged, own, path)?;
        self.scoped(&refs, |cx| cx.node(Value::Object(merged), path))
    }

    /// Makes an object schema strict: all properties rewritten and required,
    /// no additional properties.
    fn object(&mut self, m: &mut Map<String, Value>, path: &str) -> Result<()> {
        match m.get("additionalProperties") {
            None | Some(Value::Bool(false)) => {}
            Some(Value::Bool(true)) => {
                return Err(Error::invalid_request(
                    path,
                    "is a free-form object (e.g. serde_json::Map or HashMap<String, serde_json::Value>), \
                     which strict mode cannot express; use a struct with named fields, or a Vec of \
                     key/value structs",
                ));
            }
            Some(_) => {
                return Err(Error::invalid_request(
                    path,
                    "is a map (e.g. HashMap<String, T>), which strict mode cannot express: every \
                     object must list its keys; use a Vec of key/value structs instead, e.g. \
                     Vec<Entry> with `struct Entry { key: String, value: T }`",
                ));
            }
        }
        let mut properties = match m.remove("properties") {
            None => Map::new(),
            Some(Value::Object(p)) => p,
            Some(_) => {
                return Err(Error::invalid_request(
                    path,
                    "has a `properties` that is not an object",
                ));
            }
        };
        for (name, schema) in properties.iter_mut() {
            *schema = self.node(std::mem::take(schema), &format!("{path}.properties.{name}"))?;
        }
        let required: Vec<Value> = properties
            .keys()
            .map(|k| Value::String(k.clone()))
            .collect();
        m.insert("properties".to_owned(), Value::Object(properties));
        m.insert("required".to_owned(), Value::Array(required));
        m.insert("additionalProperties".to_owned(), Value::Bool(false));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn check_refs_finds_dangling_refs() {
        let ok = json!({
            "type": "object",
            "properties": {
                "a": {"$ref": "#/$defs/A"},
                "b": {"type": "array", "items": {"$ref": "#"}},
                "c": {"anyOf": [{"$ref": "#/$defs/A/properties/x"}, {"type": "null"}]}
            },
            "$defs": {"A": {"type": "object", "properties": {"x": {"type": "string"}}}}
        });
        assert!(check_refs(&ok).is_ok());

        let dangling = json!({
            "type": "object",
            "properties": {"list": {"type": "array", "items": {"$ref": "#/$defs/Missing"}}},
            "$defs": {"A": {"type": "string"}}
        });
        let err = check_refs(&dangling).unwrap_err().to_string();
        assert!(err.contains("schema.properties.list.items"), "{err}");
        assert!(err.contains("#/$defs/Missing"), "{err}");

        let remote = json!({"anyOf": [{"$ref": "https://example.com/s.json"}]});
        let err = check_refs(&remote).unwrap_err().to_string();
        assert!(err.contains("schema.anyOf[0]"), "{err}");

        // A `$ref` inside an `enum` value is data, not a reference.
        let data = json!({"enum": [{"$ref": "#/nowhere"}]});
        assert!(check_refs(&data).is_ok());
    }

    #[test]
    fn pointer_decoding() {
        assert_eq!(unescape_pointer("a~1b~0c"), "a/b~c");
        assert_eq!(percent_decode("My%20Type%3Cx%3E"), "My Type<x>");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(
            split_def_ref("#/$defs/A~1B%20C/properties/x"),
            Some(("A/B C".to_owned(), "/properties/x"))
        );
        assert_eq!(split_def_ref("#/definitions/X"), Some(("X".to_owned(), "")));
        assert_eq!(split_def_ref("#/properties/x"), None);
        assert_eq!(safe_name("Page<my::Item>", "Def"), "Page_my__Item_");
        assert_eq!(safe_name("", "Def"), "Def");
    }

    #[test]
    fn notes_go_to_the_description() {
        let mut m = json!({
            "description": "A name.",
            "type": "string",
            "format": "uri",
            "minLength": 3,
            "maxLength": 9,
            "default": "abc",
            "examples": ["abc", "xyz"]
        });
        let Value::Object(ref mut map) = m else {
            unreachable!()
        };
        move_notes_to_description(map);
        assert_eq!(
            m,
            json!({
                "description": "A name. (format: uri, minLength: 3, maxLength: 9) Default: \"abc\" Examples: \"abc\", \"xyz\"",
                "type": "string"
            })
        );
    }
}
