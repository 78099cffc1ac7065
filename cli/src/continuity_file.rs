//! The continuity store of the demo: the secrets each user retained for each peer from the
//! calls between them (handshake version 2), in one JSON file written with the same locked,
//! atomic replacement as the policy store.
//!
//! ```json
//! { "alice@contoso.com": { "bob@contoso.com":
//!     { "newest": "64 hex digits", "previous": "64 hex digits" or null, "verified": true } } }
//! ```
//!
//! A file that is not such JSON is an error and is never overwritten. A record whose secrets
//! are not 32 bytes of hex is reported and taken as lost (the call then says `mismatch`).

use crate::locked_file;
use anyhow::{anyhow, Context as _};
use callseal::handshake::Retained;
use callseal::Secret;
use serde_json::{json, Map, Value};
use std::path::Path;

/// The whole store: owner → peer → record.
fn parse(path: &Path, bytes: Option<Vec<u8>>) -> anyhow::Result<Map<String, Value>> {
    let Some(bytes) = bytes else {
        return Ok(Map::new());
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) if m.values().all(Value::is_object) => Ok(m),
        _ => Err(anyhow!(
            "{}: not a continuity store (a JSON object of users, each an object of peers); \
             left as it is",
            path.display()
        )),
    }
}

/// A record as stored, or why it cannot be used.
fn record_of(v: &Value) -> Result<Retained, &'static str> {
    let secret = |field: &str| -> Result<Option<Secret<32>>, &'static str> {
        match &v[field] {
            Value::Null => Ok(None),
            Value::String(h) => {
                let bytes = hex::decode(h).map_err(|_| "a secret is not hex")?;
                Secret::from_slice(&bytes)
                    .map(Some)
                    .map_err(|_| "a secret is not 32 bytes")
            }
            _ => Err("a secret is not a hex string"),
        }
    };
    let newest = secret("newest")?.ok_or("no newest secret")?;
    let previous = secret("previous")?;
    let verified = v["verified"].as_bool().unwrap_or(false);
    Ok(Retained::new(Some(newest), previous, verified))
}

/// What `owner` retained for `peer`: the record, or none, and a note when the stored record
/// could not be used (it is then taken as lost).
pub(crate) fn load(
    path: &Path,
    owner: &str,
    peer: &str,
) -> anyhow::Result<(Retained, Option<String>)> {
    let store = parse(path, locked_file::read_bytes(path)?)?;
    let Some(v) = store.get(owner).and_then(|m| m.get(peer)) else {
        return Ok((Retained::none(), None));
    };
    Ok(match record_of(v) {
        Ok(r) => (r, None),
        Err(why) => (
            Retained::none(),
            Some(format!(
                "{owner}'s record for {peer} is unusable ({why}): taken as lost"
            )),
        ),
    })
}

/// Store `owner`'s new record for `peer`, keeping everything else in the file.
pub(crate) fn store(path: &Path, owner: &str, peer: &str, r: &Retained) -> anyhow::Result<()> {
    let hex_of = |s: Option<&Secret<32>>| s.map(|s| hex::encode(s.dangerous_expose()));
    let rec = json!({
        "newest": hex_of(r.newest()),
        "previous": hex_of(r.previous()),
        "verified": r.verified(),
    });
    locked_file::update(path, |bytes| {
        let mut all = parse(path, bytes)?;
        let peers = all
            .entry(owner.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        peers
            .as_object_mut()
            .context("checked when parsed")?
            .insert(peer.to_owned(), rec);
        let mut text = serde_json::to_string_pretty(&Value::Object(all))?;
        text.push('\n');
        Ok((text.into_bytes(), ()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("continuity.json");
        let (r, note) = load(&path, "a", "b").unwrap();
        assert!(r.is_empty() && note.is_none());
        let mut rec = Retained::new(
            Some(Secret::new([1; 32])),
            Some(Secret::new([2; 32])),
            false,
        );
        rec.mark_verified();
        store(&path, "a", "b", &rec).unwrap();
        store(
            &path,
            "b",
            "a",
            &Retained::new(Some(Secret::new([3; 32])), None, false),
        )
        .unwrap();
        let (r, note) = load(&path, "a", "b").unwrap();
        assert!(note.is_none() && r.verified());
        assert_eq!(r.newest().unwrap().dangerous_expose(), &[1; 32]);
        assert_eq!(r.previous().unwrap().dangerous_expose(), &[2; 32]);
        let (r, _) = load(&path, "b", "a").unwrap();
        assert!(r.previous().is_none() && !r.verified());

        // A corrupted secret: reported, taken as lost.
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace(&"01".repeat(32), &"01".repeat(31))).unwrap();
        let (r, note) = load(&path, "a", "b").unwrap();
        assert!(r.is_empty());
        assert!(note.unwrap().contains("not 32 bytes"));

        // Not a store at all: an error, and never overwritten.
        std::fs::write(&path, "garbage").unwrap();
        assert!(load(&path, "a", "b").is_err());
        assert!(store(&path, "a", "b", &rec).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "garbage");
    }
}
