//! The config document's OpenAPI schema: every key the host or the runtime knows, with the
//! shape [`validate`](super::validate) checks, so a client can build a form from it. Any other
//! key is allowed and kept (`additionalProperties`); `null` unsets a key.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};

use super::Config;
use super::schema::{KNOWN_KEYS, Shape};

impl utoipa::PartialSchema for Config {
    fn schema() -> RefOr<Schema> {
        section(
            KNOWN_KEYS,
            "The runtime's config.yaml. The keys listed are checked (a wrong shape is 422 with \
             the field's path); any other key is kept as it is; null unsets a key; values \
             under secret keys are redacted in answers.",
        )
        .into()
    }
}

impl utoipa::ToSchema for Config {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Config")
    }
}

fn nullable(kind: Type) -> SchemaType {
    SchemaType::from_iter([kind, Type::Null])
}

fn section(keys: &[(&str, Shape)], description: &str) -> Schema {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .additional_properties(Some(AdditionalProperties::FreeForm(true)));
    for (key, shape) in keys {
        object = object.property(*key, shape_schema(*shape));
    }
    object.build().into()
}

fn text(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(nullable(Type::String))
        .description(Some(description))
}

fn shape_schema(shape: Shape) -> Schema {
    match shape {
        Shape::Text => ObjectBuilder::new()
            .schema_type(nullable(Type::String))
            .build()
            .into(),
        Shape::HostPort => text("host:port (the host may be empty, as in `:8080`)")
            .pattern(Some(r"^.*:\d{1,5}$"))
            .build()
            .into(),
        Shape::HttpUrl => text("an http:// or https:// URL, or empty")
            .format(Some(SchemaFormat::Custom("uri".into())))
            .build()
            .into(),
        Shape::Duration => text("a duration such as 30s, 5m or 1h30m")
            .pattern(Some(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"))
            .build()
            .into(),
        Shape::OneOf(allowed) => ObjectBuilder::new()
            .schema_type(nullable(Type::String))
            // `null` unsets the key, so it is one of the values too.
            .enum_values(Some(allowed.iter().map(|v| Some(*v)).chain([None])))
            .build()
            .into(),
        Shape::Bool => ObjectBuilder::new()
            .schema_type(nullable(Type::Boolean))
            .build()
            .into(),
        Shape::Int { min, max } => ObjectBuilder::new()
            .schema_type(nullable(Type::Integer))
            .minimum(Some(min as isize))
            .maximum(Some(max as isize))
            .build()
            .into(),
        Shape::TextList => list(None),
        Shape::OriginList => list(Some(
            "browser origins such as http://localhost:5173 (no wildcard, no path)",
        )),
        Shape::Section(keys) => {
            let mut schema = section(keys, "a section: its listed keys are checked");
            if let Schema::Object(object) = &mut schema {
                object.schema_type = nullable(Type::Object);
            }
            schema
        }
    }
}

fn list(description: Option<&str>) -> Schema {
    ArrayBuilder::new()
        .schema_type(nullable(Type::Array))
        .description(description)
        .items(ObjectBuilder::new().schema_type(Type::String))
        .build()
        .into()
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    #[test]
    fn every_known_key_is_a_property_and_others_are_allowed() {
        let json = serde_json::to_value(Config::schema()).unwrap();
        let properties = json["properties"].as_object().unwrap();
        for (key, _) in KNOWN_KEYS {
            assert!(properties.contains_key(*key), "{key} missing");
        }
        assert_eq!(json["additionalProperties"], true);
        assert_eq!(
            properties["max_websocket_connections"]["maximum"],
            serde_json::json!(100_000)
        );
        assert_eq!(
            properties["telemetry"]["properties"]["compression"]["enum"],
            serde_json::json!(["gzip", "none", null])
        );
        assert_eq!(
            properties["memory_enabled"]["type"],
            serde_json::json!(["boolean", "null"])
        );
    }
}
