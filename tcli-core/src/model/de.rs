//! Hand-written `Deserialize` for the two per-module types every warm `tcli <module>` reads
//! back from the index, [`Identity`] and [`Detail`]. Their derived forms are slow to read:
//! serde's internally tagged and untagged enums buffer each value first, and an untagged one
//! builds (and formats) an error for every variant it tries before the one that fits. These
//! read the same JSON shapes (docs/cli.md, `modules list --json`) in one pass, choosing a
//! `Detail` variant by the field only it has.

use super::{Detail, DockerDetail, Identity, NativeDetail, SourceDetail};
use serde::de::{Deserializer, Error as _, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

impl<'de> Deserialize<'de> for Identity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(IdentityVisitor)
    }
}

/// The fields of every [`Identity`] variant, and its `type` tag.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum IdentityField {
    Type,
    Size,
    MtimeNs,
    Ino,
    Id,
    #[serde(other)]
    Other,
}

/// The `type` tag of an [`Identity`].
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum IdentityType {
    File,
    Image,
    Builtin,
    Unverified,
}

struct IdentityVisitor;

impl<'de> Visitor<'de> for IdentityVisitor {
    type Value = Identity;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a module identity")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Identity, A::Error> {
        let (mut ty, mut size, mut mtime_ns, mut ino, mut id) = (None, None, None, None, None);
        while let Some(field) = map.next_key()? {
            match field {
                IdentityField::Type => ty = Some(map.next_value::<IdentityType>()?),
                IdentityField::Size => size = Some(map.next_value()?),
                IdentityField::MtimeNs => mtime_ns = Some(map.next_value()?),
                IdentityField::Ino => ino = Some(map.next_value()?),
                IdentityField::Id => id = Some(map.next_value()?),
                IdentityField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let need = |f: &'static str| A::Error::missing_field(f);
        Ok(match ty.ok_or_else(|| need("type"))? {
            IdentityType::File => Identity::File {
                size: size.ok_or_else(|| need("size"))?,
                mtime_ns: mtime_ns.ok_or_else(|| need("mtime_ns"))?,
                ino: ino.ok_or_else(|| need("ino"))?,
            },
            IdentityType::Image => Identity::Image {
                id: id.ok_or_else(|| need("id"))?,
            },
            IdentityType::Builtin => Identity::Builtin,
            IdentityType::Unverified => Identity::Unverified,
        })
    }
}

/// [`Detail::NativeRetry`]'s fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Retry {
    retry_after: u64,
}

/// [`Detail::Pinned`]'s fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PinnedOnly {
    team: String,
}

impl<'de> Deserialize<'de> for Detail {
    /// `null` is [`Detail::None`]; an object is the variant whose own field it has (`source`,
    /// `abi_version`, `retry_after`, `image_id`, `team`), each refusing fields it lacks.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde_json::{from_value, Value};
        let Some(map) = Option::<serde_json::Map<String, Value>>::deserialize(d)? else {
            return Ok(Detail::None);
        };
        let has = |k: &str| map.contains_key(k);
        let tag = ["source", "abi_version", "retry_after", "image_id", "team"]
            .into_iter()
            .find(|k| has(k));
        let value = Value::Object(map);
        match tag {
            Some("source") => from_value::<SourceDetail>(value).map(Detail::Source),
            Some("abi_version") => from_value::<NativeDetail>(value).map(Detail::Native),
            Some("retry_after") => from_value::<Retry>(value).map(|r| Detail::NativeRetry {
                retry_after: r.retry_after,
            }),
            Some("image_id") => from_value::<DockerDetail>(value).map(Detail::Docker),
            Some("team") => {
                from_value::<PinnedOnly>(value).map(|p| Detail::Pinned { team: p.team })
            }
            _ => return Err(D::Error::custom("an `extra` object of no known shape")),
        }
        .map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_round_trips_every_variant_and_ignores_unknown_fields() {
        for id in [
            Identity::File {
                size: 1,
                mtime_ns: -2,
                ino: 3,
            },
            Identity::Image {
                id: "sha256:ab".into(),
            },
            Identity::Builtin,
            Identity::Unverified,
        ] {
            let back: Identity =
                serde_json::from_str(&serde_json::to_string(&id).unwrap()).unwrap();
            assert_eq!(back, id);
        }
        let later: Identity = serde_json::from_str(r#"{"type":"builtin","new":[1]}"#).unwrap();
        assert_eq!(later, Identity::Builtin);
        assert!(serde_json::from_str::<Identity>(r#"{"type":"file","size":1}"#).is_err());
        assert!(serde_json::from_str::<Identity>(r#"{"type":"disk"}"#).is_err());
    }

    #[test]
    fn detail_refuses_unknown_shapes_and_fields() {
        assert!(serde_json::from_str::<Detail>(r#"{"what":1}"#).is_err());
        assert!(serde_json::from_str::<Detail>(r#"{"team":"a","more":1}"#).is_err());
        assert_eq!(
            serde_json::from_str::<Detail>("null").unwrap(),
            Detail::None
        );
    }
}
