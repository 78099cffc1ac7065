// The policy store reader: any text gives a store or a located error, never a panic; a store
// that reads writes back to the same store.
use callseal::policy::{CallKind, PolicyStore};

/// The fuzz target body: runs one input.
pub fn policy_store(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else { return };
    match PolicyStore::from_json(text) {
        Ok(store) => {
            let again = PolicyStore::from_json(&store.to_json()).expect("what it writes reads");
            assert_eq!(again, store);
            for user in store.users.keys().take(4) {
                let _ = store.decide(user, "someone", CallKind::OneToOne);
            }
        }
        Err(e) => assert!(!e.message.is_empty()),
    }
}
