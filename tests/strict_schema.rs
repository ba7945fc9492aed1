//! Strict-mode schemas of real Rust types (`requesty::structured::schema`),
//! each compared with a hand-checked schema in
//! `tests/fixtures/schemas/<case>.json`; every result is also checked against
//! the strict-mode rules independently of the rewriting code, and a sample
//! value of each type must validate against its schema and round-trip through
//! serde.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use requesty::structured::schema::{
    WRAPPER_PROPERTY, check_refs, needs_wrapping, schema_for, schema_name, strict_schema,
    strict_schema_for,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

// ---------------------------------------------------------------- the types

/// Current weather at a place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Weather {
    /// The city name.
    city: String,
    /// Temperature in the given unit.
    temperature: f64,
    /// The unit of `temperature`.
    unit: Unit,
    /// Free-form remarks, if any.
    remarks: Option<String>,
}

/// A temperature unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Unit {
    Celsius,
    Fahrenheit,
}

/// A person's contact card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Contact {
    /// Full name.
    name: String,
    /// Email address, if known.
    #[schemars(extend("format" = "email"))]
    email: Option<String>,
    /// Phone numbers.
    phones: Vec<String>,
    /// Postal address.
    address: Address,
    /// Previous addresses, most recent first.
    previous: Vec<Address>,
    /// Work address, if any.
    work: Option<Address>,
    nicknames: Option<Vec<String>>,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Address {
    street: String,
    city: String,
    zip: Option<String>,
}

/// A drawing instruction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
enum Shape {
    /// A circle.
    Circle {
        radius: f64,
    },
    /// An axis-aligned rectangle.
    Rectangle {
        width: f64,
        height: f64,
    },
    Point,
    /// A text label.
    Label(Label),
}

/// Text at a position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Label {
    text: String,
    x: f64,
    y: f64,
}

/// A media player command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
enum Command {
    Stop,
    /// Play the track with this id.
    Play(String),
    /// Jump to a position.
    Seek {
        seconds: u32,
    },
    Volume(Level),
}

/// A volume level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Level {
    percent: u8,
}

/// A price quote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Quote {
    item: String,
    amount: Amount,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
enum Amount {
    Exact(f64),
    Range { min: f64, max: f64 },
    Text(String),
}

/// A tree node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Node {
    name: String,
    children: Vec<Node>,
}

/// An arithmetic expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Expr {
    Num { value: f64 },
    Add { left: Box<Expr>, right: Box<Expr> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Stats {
    count: u32,
    delta: i64,
    mean: f64,
    small: u8,
    ratio: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Settings {
    /// Print more.
    #[serde(default)]
    verbose: bool,
    #[serde(default = "default_retries")]
    retries: u8,
    /// The profile to use.
    #[serde(default)]
    profile: Option<String>,
}

fn default_retries() -> u8 {
    3
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Constraints {
    /// A short name.
    #[schemars(length(min = 1, max = 10))]
    name: String,
    #[schemars(length(min = 1, max = 5))]
    tags: Vec<String>,
    #[schemars(range(min = 1, max = 5))]
    rating: u8,
    #[schemars(regex(pattern = r"^[A-Z]{3}$"))]
    currency: String,
    /// Day of the event.
    #[schemars(extend("format" = "date"))]
    day: String,
    #[schemars(extend("format" = "uri"))]
    homepage: String,
    #[schemars(example = &"hello")]
    greeting: String,
    labels: HashSet<String>,
    initial: char,
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Event {
    id: u32,
    #[serde(flatten)]
    kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind")]
enum EventKind {
    Click { x: i32, y: i32 },
    Key { code: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Empty {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Page<T> {
    items: Vec<T>,
    next: Option<String>,
}

// Types strict mode cannot express (only their schemas are used).

#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct Inventory {
    /// Units in stock by product.
    counts: HashMap<String, i32>,
}

#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct Catalog {
    sections: Vec<Section>,
}

#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct Section {
    prices: BTreeMap<String, f64>,
}

#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct Loose {
    extra: serde_json::Value,
}

#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct FreeForm {
    attributes: serde_json::Map<String, serde_json::Value>,
}

#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct Pair {
    point: (i32, i32),
}

// ------------------------------------------------------------------ helpers

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schemas")
}

fn expected(case: &str) -> Value {
    let path = fixture_dir().join(format!("{case}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The strict schema of `T`, compared with the fixture, checked against the
/// rules, and checked to be a fixed point of `strict_schema`.
fn check_case<T: JsonSchema>(case: &str) -> Value {
    let actual = strict_schema_for::<T>().unwrap_or_else(|e| panic!("{case}: {e}"));
    let want = expected(case);
    assert!(
        actual == want,
        "{case}: schema differs from the fixture\nactual:\n{}\nexpected:\n{}",
        serde_json::to_string_pretty(&actual).unwrap(),
        serde_json::to_string_pretty(&want).unwrap(),
    );
    assert_strict(&actual, case);
    let again = strict_schema(actual.clone()).unwrap_or_else(|e| panic!("{case}: again: {e}"));
    assert_eq!(again, actual, "{case}: strict_schema is not idempotent");
    actual
}

/// A sample value of `T` serialized as the model would answer (wrapped when
/// the schema is), validated against the schema, and parsed back.
fn round_trip<T>(value: &T)
where
    T: JsonSchema + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let schema = strict_schema_for::<T>().unwrap();
    let wrapped = needs_wrapping(&schema_for::<T>());
    let mut answer = serde_json::to_value(value).unwrap();
    if wrapped {
        answer = json!({ WRAPPER_PROPERTY: answer });
    }
    if let Err(e) = validate(&schema, &schema, &answer, "$") {
        panic!(
            "{}: sample does not validate: {e}\nsample: {answer}",
            std::any::type_name::<T>()
        );
    }
    let inner = if wrapped {
        answer[WRAPPER_PROPERTY].clone()
    } else {
        answer
    };
    let back: T = serde_json::from_value(inner).unwrap();
    assert_eq!(&back, value);
}

fn error_of<T: JsonSchema>() -> String {
    match strict_schema_for::<T>() {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => e.to_string(),
    }
}

// ------------------------------------------- the rules, checked independently

const ALLOWED: &[&str] = &[
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

const FORMATS: &[&str] = &[
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

/// Asserts the strict-mode rules over the whole schema.
fn assert_strict(schema: &Value, case: &str) {
    let root = schema.as_object().expect("root is an object");
    assert_eq!(
        root.get("type"),
        Some(&json!("object")),
        "{case}: root type"
    );
    assert!(!root.contains_key("anyOf"), "{case}: root anyOf");
    if let Some(defs) = root.get("$defs") {
        for (name, def) in defs.as_object().expect("$defs is an object") {
            check_node(schema, def, &format!("{case}.$defs.{name}"));
        }
    }
    let mut root_only = root.clone();
    root_only.remove("$defs");
    check_node(schema, &Value::Object(root_only), case);
}

fn check_node(doc: &Value, node: &Value, path: &str) {
    let m = node
        .as_object()
        .unwrap_or_else(|| panic!("{path}: not an object: {node}"));
    for key in m.keys() {
        assert!(
            ALLOWED.contains(&key.as_str()),
            "{path}: keyword `{key}` remains"
        );
    }
    if let Some(r) = m.get("$ref") {
        assert_eq!(m.len(), 1, "{path}: $ref has siblings");
        let r = r.as_str().expect("string $ref");
        let target = if r == "#" {
            Some(doc)
        } else {
            doc.pointer(r.strip_prefix('#').expect("local ref"))
        };
        assert!(
            target.is_some_and(Value::is_object),
            "{path}: $ref {r} does not resolve"
        );
    }
    if let Some(f) = m.get("format") {
        assert!(FORMATS.contains(&f.as_str().unwrap()), "{path}: format {f}");
    }
    let types: Vec<&str> = match m.get("type") {
        None => vec![],
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().map(|t| t.as_str().unwrap()).collect(),
        Some(other) => panic!("{path}: type {other}"),
    };
    if types.contains(&"object") || m.contains_key("properties") {
        assert_eq!(m.get("additionalProperties"), Some(&json!(false)), "{path}");
        let props = m["properties"].as_object().expect("properties");
        let required: Vec<&str> = m["required"]
            .as_array()
            .expect("required")
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        let mut keys: Vec<&str> = props.keys().map(String::as_str).collect();
        let mut sorted = required.clone();
        keys.sort_unstable();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), required.len(), "{path}: duplicate required");
        assert_eq!(sorted, keys, "{path}: required != properties");
        for (k, v) in props {
            check_node(doc, v, &format!("{path}.properties.{k}"));
        }
    }
    if types.contains(&"array") {
        check_node(
            doc,
            m.get("items").expect("array items"),
            &format!("{path}.items"),
        );
    }
    if let Some(any) = m.get("anyOf") {
        let any = any.as_array().expect("anyOf array");
        assert!(!any.is_empty(), "{path}: empty anyOf");
        for (i, v) in any.iter().enumerate() {
            check_node(doc, v, &format!("{path}.anyOf[{i}]"));
        }
    }
    assert!(
        ["type", "anyOf", "$ref", "enum", "const"]
            .iter()
            .any(|k| m.contains_key(*k)),
        "{path}: accepts anything"
    );
}

/// A small validator for the strict subset (no `pattern`, no `format`).
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let m = schema
        .as_object()
        .ok_or(format!("{at}: schema is not an object"))?;
    if let Some(r) = m.get("$ref").and_then(Value::as_str) {
        let target = if r == "#" {
            doc
        } else {
            doc.pointer(&r[1..]).ok_or(format!("{at}: dangling {r}"))?
        };
        return validate(doc, target, value, at);
    }
    if let Some(any) = m.get("anyOf").and_then(Value::as_array) {
        let errors: Vec<String> = any
            .iter()
            .filter_map(|s| validate(doc, s, value, at).err())
            .collect();
        if errors.len() == any.len() {
            return Err(format!("{at}: no anyOf variant matches: {errors:?}"));
        }
    }
    if let Some(t) = m.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            _ => false,
        });
        if !ok {
            return Err(format!("{at}: {value} is not of type {t}"));
        }
    }
    if let Some(e) = m.get("enum").and_then(Value::as_array)
        && !e.contains(value)
    {
        return Err(format!("{at}: {value} not in enum {e:?}"));
    }
    if let Some(c) = m.get("const")
        && c != value
    {
        return Err(format!("{at}: {value} != const {c}"));
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = m.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            return Err(format!("{at}: {n} < minimum {min}"));
        }
        if let Some(max) = m.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            return Err(format!("{at}: {n} > maximum {max}"));
        }
    }
    if let (Some(obj), Some(props)) = (
        value.as_object(),
        m.get("properties").and_then(Value::as_object),
    ) {
        for key in obj.keys() {
            if !props.contains_key(key) {
                return Err(format!("{at}: unexpected property {key}"));
            }
        }
        for req in m["required"].as_array().into_iter().flatten() {
            let req = req.as_str().unwrap_or_default();
            if !obj.contains_key(req) {
                return Err(format!("{at}: missing required {req}"));
            }
        }
        for (k, v) in obj {
            validate(doc, &props[k], v, &format!("{at}.{k}"))?;
        }
    }
    if let (Some(items), Some(schema_items)) = (value.as_array(), m.get("items")) {
        if let Some(min) = m.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            return Err(format!("{at}: fewer than {min} items"));
        }
        if let Some(max) = m.get("maxItems").and_then(Value::as_u64)
            && (items.len() as u64) > max
        {
            return Err(format!("{at}: more than {max} items"));
        }
        for (i, item) in items.iter().enumerate() {
            validate(doc, schema_items, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

// -------------------------------------------------------------------- tests

#[test]
fn flat_struct_with_descriptions() {
    check_case::<Weather>("weather");
    round_trip(&Weather {
        city: "Oslo".into(),
        temperature: -3.5,
        unit: Unit::Celsius,
        remarks: None,
    });
}

#[test]
fn unit_enum_at_the_root_is_wrapped() {
    assert!(needs_wrapping(&schema_for::<Unit>()));
    check_case::<Unit>("unit");
    round_trip(&Unit::Fahrenheit);
}

#[test]
fn options_vecs_and_nested_structs() {
    check_case::<Contact>("contact");
    let home = Address {
        street: "1 Main St".into(),
        city: "Springfield".into(),
        zip: Some("12345".into()),
    };
    round_trip(&Contact {
        name: "Ada".into(),
        email: None,
        phones: vec!["555-0100".into()],
        address: home.clone(),
        previous: vec![Address {
            zip: None,
            ..home.clone()
        }],
        work: Some(home),
        nicknames: None,
    });
}

#[test]
fn internally_tagged_enum() {
    assert!(needs_wrapping(&schema_for::<Shape>()));
    check_case::<Shape>("shape");
    round_trip(&Shape::Circle { radius: 2.0 });
    round_trip(&Shape::Rectangle {
        width: 3.0,
        height: 4.5,
    });
    round_trip(&Shape::Point);
    round_trip(&Shape::Label(Label {
        text: "hi".into(),
        x: 1.0,
        y: 2.0,
    }));
}

#[test]
fn externally_tagged_enum_with_data() {
    check_case::<Command>("command");
    round_trip(&Command::Stop);
    round_trip(&Command::Play("t-42".into()));
    round_trip(&Command::Seek { seconds: 90 });
    round_trip(&Command::Volume(Level { percent: 70 }));
}

#[test]
fn untagged_enum_in_defs() {
    check_case::<Quote>("quote");
    for amount in [
        Amount::Exact(9.5),
        Amount::Range { min: 1.0, max: 2.0 },
        Amount::Text("call us".into()),
    ] {
        round_trip(&Quote {
            item: "lamp".into(),
            amount,
        });
    }
}

#[test]
fn recursive_struct_refers_to_the_root() {
    assert!(!needs_wrapping(&schema_for::<Node>()));
    check_case::<Node>("node");
    round_trip(&Node {
        name: "root".into(),
        children: vec![Node {
            name: "leaf".into(),
            children: vec![],
        }],
    });
}

#[test]
fn recursive_struct_in_a_wrapped_vec() {
    check_case::<Vec<Node>>("node_list");
    round_trip(&vec![Node {
        name: "a".into(),
        children: vec![Node {
            name: "b".into(),
            children: vec![],
        }],
    }]);
}

#[test]
fn recursive_enum_root_moves_into_defs_when_wrapped() {
    check_case::<Expr>("expr");
    round_trip(&Expr::Add {
        left: Box::new(Expr::Num { value: 1.0 }),
        right: Box::new(Expr::Add {
            left: Box::new(Expr::Num { value: 2.0 }),
            right: Box::new(Expr::Num { value: 3.0 }),
        }),
    });
}

#[test]
fn vec_at_the_root_is_wrapped() {
    assert!(needs_wrapping(&schema_for::<Vec<Weather>>()));
    check_case::<Vec<Weather>>("weather_list");
    round_trip(&vec![Weather {
        city: "Lima".into(),
        temperature: 71.0,
        unit: Unit::Fahrenheit,
        remarks: Some("humid".into()),
    }]);
}

#[test]
fn string_at_the_root_is_wrapped() {
    assert!(needs_wrapping(&schema_for::<String>()));
    check_case::<String>("string");
    round_trip(&"hello".to_owned());
}

#[test]
fn integer_formats_are_dropped_and_minimum_kept() {
    check_case::<Stats>("stats");
    round_trip(&Stats {
        count: 7,
        delta: -12,
        mean: 0.25,
        small: 255,
        ratio: 0.5,
    });
}

#[test]
fn defaults_move_into_the_description() {
    check_case::<Settings>("settings");
    round_trip(&Settings {
        verbose: true,
        retries: 3,
        profile: None,
    });
}

#[test]
fn constraints_are_kept_or_described() {
    check_case::<Constraints>("constraints");
    round_trip(&Constraints {
        name: "box".into(),
        tags: vec!["a".into()],
        rating: 4,
        currency: "EUR".into(),
        day: "2024-05-01".into(),
        homepage: "https://example.com".into(),
        greeting: "hey".into(),
        labels: HashSet::from(["x".to_owned()]),
        initial: 'Q',
    });
}

#[test]
fn flattened_enum_is_distributed_over_the_variants() {
    assert!(needs_wrapping(&schema_for::<Event>()));
    check_case::<Event>("event");
    round_trip(&Event {
        id: 1,
        kind: EventKind::Click { x: 3, y: -4 },
    });
    round_trip(&Event {
        id: 2,
        kind: EventKind::Key {
            code: "Enter".into(),
        },
    });
}

#[test]
fn empty_struct_is_an_empty_object() {
    let schema = strict_schema_for::<Empty>().unwrap();
    assert_eq!(
        schema,
        json!({"type": "object", "properties": {}, "required": [], "additionalProperties": false})
    );
    assert_strict(&schema, "empty");
    round_trip(&Empty {});
}

#[test]
fn generic_struct() {
    let schema = strict_schema_for::<Page<Address>>().unwrap();
    assert_strict(&schema, "page");
    assert_eq!(
        schema["properties"]["items"]["items"],
        json!({"$ref": "#/$defs/Address"})
    );
    round_trip(&Page {
        items: vec![Address {
            street: "s".into(),
            city: "c".into(),
            zip: None,
        }],
        next: Some("2".into()),
    });
}

#[test]
fn map_field_is_an_error_naming_the_path() {
    let err = error_of::<Inventory>();
    assert!(err.contains("`schema.properties.counts`"), "{err}");
    assert!(err.contains("map"), "{err}");
    assert!(err.contains("Vec of key/value structs"), "{err}");

    let err = error_of::<Catalog>();
    assert!(
        err.contains("`schema.$defs.Section.properties.prices`"),
        "{err}"
    );

    let err = error_of::<HashMap<String, i32>>();
    assert!(err.contains("`schema`"), "{err}");
    assert!(err.contains("map"), "{err}");
}

#[test]
fn inexpressible_types_are_errors() {
    let err = error_of::<Loose>();
    assert!(err.contains("`schema.properties.extra`"), "{err}");
    assert!(err.contains("any JSON value"), "{err}");

    let err = error_of::<FreeForm>();
    assert!(err.contains("`schema.properties.attributes`"), "{err}");
    assert!(err.contains("free-form"), "{err}");

    let err = error_of::<Pair>();
    assert!(err.contains("`schema.properties.point`"), "{err}");
    assert!(err.contains("tuple"), "{err}");

    let err = error_of::<serde_json::Value>();
    assert!(err.contains("`schema.properties.value`"), "{err}");

    let err =
        strict_schema(json!({"type": "object", "properties": {"a": {"not": {"type": "null"}}}}))
            .unwrap_err()
            .to_string();
    assert!(
        err.contains("`schema.properties.a`") && err.contains("`not`"),
        "{err}"
    );
}

#[test]
fn all_of_is_inlined_or_merged() {
    let one = strict_schema(json!({
        "type": "object",
        "properties": {"a": {"allOf": [{"$ref": "#/$defs/A"}], "description": "The a."}},
        "$defs": {"A": {"type": "string", "title": "A", "minLength": 2}}
    }))
    .unwrap();
    assert_eq!(
        one,
        json!({
            "type": "object",
            "properties": {"a": {"type": "string", "description": "The a. (minLength: 2)"}},
            "required": ["a"],
            "additionalProperties": false
        })
    );

    let merged = strict_schema(json!({
        "allOf": [
            {"$ref": "#/$defs/Base"},
            {"type": "object", "properties": {"extra": {"type": "integer"}}, "required": ["extra"]}
        ],
        "$defs": {
            "Base": {"type": "object", "description": "Base.", "properties": {"id": {"type": "string"}}}
        }
    }))
    .unwrap();
    assert_eq!(
        merged["properties"]["value"],
        json!({
            "type": "object",
            "description": "Base.",
            "properties": {"extra": {"type": "integer"}, "id": {"type": "string"}},
            "required": ["extra", "id"],
            "additionalProperties": false
        })
    );
    assert!(
        merged.get("$defs").is_none(),
        "unused $defs are dropped: {merged}"
    );

    let err = strict_schema(json!({
        "type": "object",
        "properties": {"a": {"allOf": [{"type": "string"}, {"pattern": "^x"}]}}
    }))
    .unwrap_err()
    .to_string();
    assert!(err.contains("`schema.properties.a.allOf[0]`"), "{err}");
    assert!(err.contains("not an object schema"), "{err}");
}

#[test]
fn draft07_definitions_are_moved_to_defs() {
    let schema = strict_schema(json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"a": {"$ref": "#/definitions/A"}},
        "definitions": {"A": {"type": "object", "properties": {"b": {"type": "boolean"}}}}
    }))
    .unwrap();
    assert_eq!(
        schema,
        json!({
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/A"}},
            "required": ["a"],
            "additionalProperties": false,
            "$defs": {"A": {
                "type": "object",
                "properties": {"b": {"type": "boolean"}},
                "required": ["b"],
                "additionalProperties": false
            }}
        })
    );
}

#[test]
fn dangling_refs_are_errors() {
    let err = strict_schema(json!({
        "type": "object",
        "properties": {"a": {"type": "array", "items": {"$ref": "#/$defs/Gone"}}}
    }))
    .unwrap_err()
    .to_string();
    assert!(err.contains("`schema.properties.a.items`"), "{err}");
    assert!(err.contains("#/$defs/Gone"), "{err}");

    assert!(check_refs(&json!({"$ref": "#", "$defs": {}})).is_ok());
    assert!(check_refs(&json!({"anyOf": [{"$ref": "#/$defs/X"}]})).is_err());
}

#[test]
fn recursive_ref_with_description_keeps_the_ref() {
    // A documented `Box<Tree>` field inside `Tree`: the `$ref` cannot take the
    // description and cannot be inlined forever, so the description goes.
    let schema = strict_schema(json!({
        "type": "object",
        "properties": {
            "left": {"$ref": "#", "description": "The left subtree."},
            "label": {"type": "string"}
        },
        "required": ["label"]
    }))
    .unwrap();
    assert_eq!(schema["properties"]["left"], json!({"$ref": "#"}));
    assert_strict(&schema, "tree");
}

#[test]
fn names_from_types() {
    assert_eq!(schema_name::<Weather>(), "Weather");
    assert_eq!(schema_name::<Page<Address>>(), "Page_Address");
    assert_eq!(schema_name::<Vec<Weather>>(), "Vec_Weather");
    assert_eq!(
        schema_name::<HashMap<String, Vec<u8>>>(),
        "HashMap_String_Vec_u8"
    );
    assert_eq!(schema_name::<(i32, String)>(), "i32_String");
    assert_eq!(schema_name::<&str>(), "str");
    assert_eq!(schema_name::<[u8]>(), "u8");
    assert_eq!(schema_name::<()>(), "schema");
    assert_eq!(schema_name::<dyn std::fmt::Debug>(), "Debug");
    type Deep = Page<Page<Page<Page<Page<Page<Page<Page<Page<Page<Address>>>>>>>>>>;
    let long = schema_name::<Deep>();
    assert!(long.len() <= 64, "{long}");
    assert!(long.starts_with("Page_Page_"), "{long}");
    assert!(!long.ends_with('_'), "{long}");
    for name in [long, schema_name::<Deep>()] {
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "{name}"
        );
    }
}

#[test]
fn outputs_of_many_types_follow_the_rules() {
    // Every case above plus a few more shapes, checked only against the rules.
    let schemas = [
        ("weather", strict_schema_for::<Weather>()),
        ("unit", strict_schema_for::<Unit>()),
        ("contact", strict_schema_for::<Contact>()),
        ("shape", strict_schema_for::<Shape>()),
        ("command", strict_schema_for::<Command>()),
        ("quote", strict_schema_for::<Quote>()),
        ("node", strict_schema_for::<Node>()),
        ("expr", strict_schema_for::<Expr>()),
        ("stats", strict_schema_for::<Stats>()),
        ("settings", strict_schema_for::<Settings>()),
        ("constraints", strict_schema_for::<Constraints>()),
        ("event", strict_schema_for::<Event>()),
        ("options", strict_schema_for::<Option<Address>>()),
        ("vec_shapes", strict_schema_for::<Vec<Shape>>()),
        ("vec_exprs", strict_schema_for::<Vec<Expr>>()),
        ("page_contacts", strict_schema_for::<Page<Contact>>()),
        ("bool", strict_schema_for::<bool>()),
        ("unit_type", strict_schema_for::<()>()),
        ("set", strict_schema_for::<HashSet<u16>>()),
        ("array", strict_schema_for::<[Unit; 2]>()),
    ];
    for (case, schema) in schemas {
        let schema = schema.unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_strict(&schema, case);
        check_refs(&schema).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(
            strict_schema(schema.clone()).unwrap(),
            schema,
            "{case}: idempotent"
        );
    }
}

#[test]
fn wrapped_option_root_accepts_null() {
    let schema = strict_schema_for::<Option<Address>>().unwrap();
    let doc = &schema;
    validate(doc, doc, &json!({"value": null}), "$").unwrap();
    validate(
        doc,
        doc,
        &json!({"value": {"street": "s", "city": "c", "zip": null}}),
        "$",
    )
    .unwrap();
    assert!(
        validate(
            doc,
            doc,
            &json!({"value": {"street": "s", "city": "c"}}),
            "$"
        )
        .is_err()
    );
}

#[test]
fn odd_definition_names_are_made_plain() {
    let schema = strict_schema(json!({
        "type": "object",
        "properties": {
            "a": {"$ref": "#/$defs/My%20Type%3CT%3E"},
            "b": {"$ref": "#/definitions/x~1y"}
        },
        "$defs": {"My Type<T>": {"type": "string"}},
        "definitions": {"x/y": {"type": "integer"}}
    }))
    .unwrap();
    assert_eq!(
        schema,
        json!({
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/My_Type_T_"}, "b": {"$ref": "#/$defs/x_y"}},
            "required": ["a", "b"],
            "additionalProperties": false,
            "$defs": {"My_Type_T_": {"type": "string"}, "x_y": {"type": "integer"}}
        })
    );
}

/// A boolean formula.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
enum Formula {
    /// A variable.
    Var(String),
    /// Both operands hold.
    And {
        /// The left operand.
        left: Box<Formula>,
        /// The right operand.
        right: Box<Formula>,
    },
    /// The operand does not hold.
    Not(Box<Formula>),
}

/// A named rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Rule {
    name: String,
    /// When the rule applies.
    when: Formula,
}

#[test]
fn documented_recursive_refs_terminate() {
    let schema = strict_schema_for::<Rule>().unwrap();
    assert_strict(&schema, "rule");
    assert_eq!(strict_schema(schema.clone()).unwrap(), schema, "idempotent");
    // `when` is inlined to keep its description; inside it, the documented
    // `Box<Formula>` fields refer back to the definition being inlined and
    // keep a bare `$ref` (strict mode allows no description next to it).
    let when = &schema["properties"]["when"];
    assert_eq!(when["description"], "When the rule applies.");
    let and = when["anyOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["properties"].get("And").is_some())
        .expect("the And variant");
    assert_eq!(
        and["properties"]["And"]["properties"]["left"],
        json!({"$ref": "#/$defs/Formula"})
    );
    assert!(schema["$defs"]["Formula"]["anyOf"].is_array(), "{schema}");
    round_trip(&Rule {
        name: "r".into(),
        when: Formula::And {
            left: Box::new(Formula::Var("a".into())),
            right: Box::new(Formula::Not(Box::new(Formula::Var("b".into())))),
        },
    });

    // At the root, the recursion goes through `#` and the wrapper hoists it.
    let schema = strict_schema_for::<Formula>().unwrap();
    assert_strict(&schema, "formula");
    assert_eq!(
        schema["properties"]["value"],
        json!({"$ref": "#/$defs/Formula"})
    );
    round_trip(&Formula::Not(Box::new(Formula::Var("x".into()))));
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Margins {
    top: u16,
    bottom: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct PageSetup {
    /// Page margins.
    #[serde(default)]
    margins: Margins,
    #[serde(default)]
    cover: Margins,
}

#[test]
fn struct_default_next_to_ref_is_described_and_inlined() {
    let schema = strict_schema_for::<PageSetup>().unwrap();
    assert_strict(&schema, "page_setup");
    let margins = json!({
        "type": "object",
        "properties": {
            "bottom": {"type": "integer", "minimum": 0, "maximum": 65535},
            "top": {"type": "integer", "minimum": 0, "maximum": 65535}
        },
        "required": ["bottom", "top"],
        "additionalProperties": false
    });
    let mut documented = margins.clone();
    documented["description"] = json!("Page margins. Default: {\"bottom\":0,\"top\":0}");
    let mut undocumented = margins;
    undocumented["description"] = json!("Default: {\"bottom\":0,\"top\":0}");
    assert_eq!(schema["properties"]["margins"], documented);
    assert_eq!(schema["properties"]["cover"], undocumented);
    assert!(schema.get("$defs").is_none(), "{schema}");
    round_trip(&PageSetup {
        margins: Margins { top: 1, bottom: 2 },
        cover: Margins::default(),
    });
}

#[test]
fn one_of_becomes_any_of() {
    let schema = strict_schema(json!({
        "type": "object",
        "properties": {"x": {"oneOf": [{"type": "string"}, {"type": "null"}]}}
    }))
    .unwrap();
    assert_eq!(
        schema["properties"]["x"],
        json!({"anyOf": [{"type": "string"}, {"type": "null"}]})
    );
    let err = strict_schema(json!({
        "type": "object",
        "properties": {"x": {"oneOf": [{"type": "string"}], "anyOf": [{"type": "null"}]}}
    }))
    .unwrap_err()
    .to_string();
    assert!(err.contains("`schema.properties.x`"), "{err}");
}
