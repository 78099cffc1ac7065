use super::*;
use crate::{CallSecurity, Feature, Intent};

fn store() -> PolicyStore {
    let mut s = PolicyStore::default();
    s.new_policy(
        "E2EE-Allowed",
        CallingE2ee::DisabledUserOverride,
        "users may turn it on",
    )
    .unwrap();
    s.new_policy("E2EE-Off", CallingE2ee::Disabled, "").unwrap();
    s
}

const ALLOWED: &str = "Tag:E2EE-Allowed";
const OFF: &str = "Tag:E2EE-Off";

fn on(s: &mut PolicyStore, user: &str) {
    s.user_mut(user).end_to_end_encrypted_calls = true;
}

#[test]
fn global_exists_from_the_start_and_is_disabled() {
    let s = PolicyStore::default();
    let g = s.policy(GLOBAL).unwrap();
    assert_eq!(g.calling_end_to_end_encryption, CallingE2ee::Disabled);
    let e = s.effective("anyone");
    assert_eq!((e.policy.as_str(), e.source.as_str()), (GLOBAL, "global"));
    assert_eq!(e.intent, Intent::Off);
    assert_eq!(e.reasons, vec![Rule::PolicyDisabled]);
}

#[test]
fn precedence_user_then_best_group_then_global() {
    let mut s = store();
    // Global only.
    assert_eq!(s.effective_policy("u").0.identity, GLOBAL);
    // A global grant changes the organization's default.
    s.grant_global(Some(ALLOWED)).unwrap();
    assert_eq!(s.effective_policy("u").1, "global");
    assert_eq!(s.effective_policy("u").0.identity, ALLOWED);
    s.grant_global(None).unwrap();
    // Groups: the lowest rank wins, whatever the order of grants.
    s.group_add("sales", "u");
    s.group_add("eng", "u");
    s.grant_group("sales", Some((OFF, 5))).unwrap();
    s.grant_group("eng", Some((ALLOWED, 2))).unwrap();
    assert_eq!(
        s.effective_policy("u"),
        (s.policy(ALLOWED).unwrap(), "group:eng".to_owned())
    );
    s.grant_group("sales", Some((OFF, 1))).unwrap();
    assert_eq!(s.effective_policy("u").1, "group:sales");
    // A group the user is not in does not count.
    s.grant_group("ops", Some((ALLOWED, 0))).unwrap();
    assert_eq!(s.effective_policy("u").1, "group:sales");
    // Equal ranks: the first group by name, so the answer never depends on order.
    s.grant_group("eng", Some((ALLOWED, 1))).unwrap();
    assert_eq!(s.effective_policy("u").1, "group:eng");
    // A direct grant beats every group.
    s.grant_user("u", Some(OFF)).unwrap();
    assert_eq!(
        s.effective_policy("u"),
        (s.policy(OFF).unwrap(), "user".to_owned())
    );
    // Taking grants back falls through again.
    s.grant_user("u", None).unwrap();
    s.grant_group("eng", None).unwrap();
    s.grant_group("sales", None).unwrap();
    assert_eq!(s.effective_policy("u").1, "global");
    // Leaving a group drops its policy.
    s.grant_group("eng", Some((ALLOWED, 1))).unwrap();
    s.group_remove("eng", "u").unwrap();
    assert_eq!(s.effective_policy("u").1, "global");
    assert!(s.group_remove("eng", "u").is_err());
}

#[test]
fn every_reason_names_its_user() {
    let mut s = store();
    s.grant_user("alice", Some(ALLOWED)).unwrap();
    s.grant_user("bob", Some(ALLOWED)).unwrap();
    on(&mut s, "alice");
    on(&mut s, "bob");
    let d = s.decide("alice", "bob", CallKind::OneToOne);
    assert_eq!(d.security, CallSecurity::EndToEnd);
    assert!(d.reasons.is_empty());
    assert_eq!((d.caller_intent, d.callee_intent), (Intent::On, Intent::On));

    // Setting off.
    s.user_mut("bob").end_to_end_encrypted_calls = false;
    let d = s.decide("alice", "bob", CallKind::OneToOne);
    assert_eq!(d.security, CallSecurity::Standard);
    assert_eq!(
        d.reasons,
        vec![Reason {
            user: "bob".into(),
            rule: Rule::SettingOff
        }]
    );
    assert_eq!(d.callee_intent, Intent::Off);
    on(&mut s, "bob");

    // Policy disabled.
    s.grant_user("alice", Some(OFF)).unwrap();
    let d = s.decide("alice", "bob", CallKind::OneToOne);
    assert_eq!(
        d.reasons,
        vec![Reason {
            user: "alice".into(),
            rule: Rule::PolicyDisabled
        }]
    );
    s.grant_user("alice", Some(ALLOWED)).unwrap();

    // Compliance recording, even with everything else on.
    s.user_mut("bob").compliance_recording = true;
    let d = s.decide("alice", "bob", CallKind::OneToOne);
    assert_eq!(d.security, CallSecurity::Standard);
    assert_eq!(
        d.reasons,
        vec![Reason {
            user: "bob".into(),
            rule: Rule::ComplianceRecording
        }]
    );
    s.user_mut("bob").compliance_recording = false;

    // Call kinds other than unscheduled one-to-one VoIP.
    for kind in [CallKind::Meeting, CallKind::Group, CallKind::Pstn] {
        let d = s.decide("alice", "bob", kind);
        assert_eq!(d.security, CallSecurity::Standard, "{kind:?}");
        assert_eq!(
            d.reasons,
            vec![Reason {
                user: "alice".into(),
                rule: Rule::CallKindNotEligible
            }]
        );
        assert!(!d.refused);
    }

    // All reasons at once, both users named.
    s.user_mut("alice").end_to_end_encrypted_calls = false;
    s.user_mut("alice").compliance_recording = true;
    s.grant_user("bob", Some(OFF)).unwrap();
    let d = s.decide("alice", "bob", CallKind::Pstn);
    let rules: Vec<_> = d
        .reasons
        .iter()
        .map(|r| (r.user.as_str(), r.rule))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("alice", Rule::SettingOff),
            ("alice", Rule::ComplianceRecording),
            ("bob", Rule::PolicyDisabled),
            ("alice", Rule::CallKindNotEligible),
        ]
    );
}

#[test]
fn require_e2ee_maps_to_required_and_refuses_fallback() {
    let mut s = store();
    s.grant_global(Some(ALLOWED)).unwrap();
    on(&mut s, "alice");
    on(&mut s, "bob");
    s.user_mut("alice").require_e2ee = true;
    let d = s.decide("alice", "bob", CallKind::OneToOne);
    assert_eq!(
        (d.caller_intent, d.callee_intent),
        (Intent::Required, Intent::On)
    );
    assert_eq!(d.security, CallSecurity::EndToEnd);
    assert!(!d.refused);
    s.user_mut("bob").end_to_end_encrypted_calls = false;
    let d = s.decide("alice", "bob", CallKind::OneToOne);
    assert!(d.refused);
    assert!(d.reasons.contains(&Reason {
        user: "alice".into(),
        rule: Rule::E2eeRequired
    }));
    // Organization-wide.
    s.user_mut("alice").require_e2ee = false;
    s.require_e2ee = true;
    on(&mut s, "bob");
    assert_eq!(s.effective("bob").intent, Intent::Required);
    // A require option does not make meetings fail.
    assert!(!s.decide("alice", "bob", CallKind::Meeting).refused);
}

#[test]
fn admin_errors() {
    let mut s = store();
    assert_eq!(
        s.new_policy("E2EE-Allowed", CallingE2ee::Disabled, ""),
        Err(AdminError::PolicyExists(ALLOWED.into()))
    );
    assert!(matches!(
        s.new_policy("bad name", CallingE2ee::Disabled, ""),
        Err(AdminError::InvalidName(_))
    ));
    assert_eq!(
        s.grant_user("u", Some("Tag:nope")),
        Err(AdminError::NoSuchPolicy("Tag:nope".into()))
    );
    assert!(s.grant_group("g", Some(("Tag:nope", 1))).is_err());
    assert!(s.grant_global(Some("Tag:nope")).is_err());
    assert_eq!(
        s.remove_policy(GLOBAL),
        Err(AdminError::GlobalCannotBeRemoved)
    );
    assert!(s.set_policy("Tag:nope", None, None).is_err());
    // Removing a granted policy takes its grants back.
    s.grant_user("u", Some(ALLOWED)).unwrap();
    s.grant_group("g", Some((ALLOWED, 1))).unwrap();
    s.grant_global(Some(ALLOWED)).unwrap();
    assert_eq!(s.remove_policy(ALLOWED), Ok(3));
    assert_eq!(s.effective_policy("u").0.identity, GLOBAL);
    // Reset Global.
    s.set_policy(GLOBAL, Some(CallingE2ee::DisabledUserOverride), Some("x"))
        .unwrap();
    s.reset_global();
    assert_eq!(s.policy(GLOBAL), PolicyStore::default().policy(GLOBAL));
}

#[test]
fn json_round_trip_and_errors_name_the_place() {
    let mut s = store();
    s.group_add("eng", "alice");
    s.grant_group("eng", Some((ALLOWED, 1))).unwrap();
    on(&mut s, "alice");
    let text = s.to_json();
    assert!(text.contains("\"version\": 1"));
    assert_eq!(PolicyStore::from_json(&text).unwrap(), s);

    let truncated = &text[..text.len() / 2];
    let e = PolicyStore::from_json(truncated).unwrap_err();
    assert!(e.line.is_some(), "{e}");

    let wrong = text.replace(
        "\"end_to_end_encrypted_calls\": true",
        "\"end_to_end_encrypted_calls\": \"yes\"",
    );
    let e = PolicyStore::from_json(&wrong).unwrap_err();
    assert_eq!(e.path, "users.alice.end_to_end_encrypted_calls", "{e}");
    assert!(e.to_string().contains("line "), "{e}");

    let unknown = text.replace(
        "\"require_e2ee\": false,",
        "\"require_e2ee\": false, \"extra\": 1,",
    );
    assert!(PolicyStore::from_json(&unknown)
        .unwrap_err()
        .message
        .contains("extra"));

    let dangling = text.replace(
        "\"policy\": \"Tag:E2EE-Allowed\"",
        "\"policy\": \"Tag:Gone\"",
    );
    let e = PolicyStore::from_json(&dangling).unwrap_err();
    assert_eq!(e.path, "groups.eng.grant.policy");

    let no_global = PolicyStore::from_json(&text.replace("\"Global\"", "\"Tag:G\"")).unwrap_err();
    assert!(no_global.message.contains("Global"), "{no_global}");

    let v2 = text.replace("\"version\": 1", "\"version\": 2");
    assert_eq!(PolicyStore::from_json(&v2).unwrap_err().path, "version");
}

/// alice and bob on `ALLOWED` with their settings on: their call is end-to-end.
fn e2ee_pair() -> PolicyStore {
    let mut s = store();
    for u in ["alice", "bob", "carol"] {
        s.grant_user(u, Some(ALLOWED)).unwrap();
        on(&mut s, u);
    }
    s
}

fn rules(reasons: &[Reason]) -> Vec<(&str, Rule)> {
    reasons.iter().map(|r| (r.user.as_str(), r.rule)).collect()
}

#[test]
fn adding_a_participant_is_off_by_default_as_in_teams() {
    let s = e2ee_pair();
    for p in &s.policies {
        assert!(!p.allow_add_participant, "{}", p.identity);
    }
    assert!(!s.effective("alice").allow_add_participant);
    let d = s.decide("alice", "bob", CallKind::OneToOne);
    assert_eq!(d.security, CallSecurity::EndToEnd);
    assert!(!d.add_participant);
    for f in Feature::ALL {
        assert_eq!(d.check(f), Err(crate::Error::FeatureUnavailable(f)));
    }
    // Nothing about adding shows among the reasons a call is standard.
    assert!(d.reasons.is_empty());
    let add = s.decide_add(&["alice", "bob"], "carol");
    assert!(!add.allowed);
    assert_eq!(
        rules(&add.reasons),
        vec![
            ("alice", Rule::AddParticipantDisabled),
            ("bob", Rule::AddParticipantDisabled)
        ]
    );
}

#[test]
fn an_end_to_end_call_may_add_only_when_both_policies_allow_it() {
    let mut s = e2ee_pair();
    s.new_policy("Grow", CallingE2ee::DisabledUserOverride, "")
        .unwrap();
    s.set_allow_add_participant("Tag:Grow", true).unwrap();
    s.grant_user("alice", Some("Tag:Grow")).unwrap();
    assert!(s.effective("alice").allow_add_participant);

    // One party allowed: the call is end-to-end, adding is not.
    let d = s.decide("alice", "bob", CallKind::OneToOne);
    assert_eq!(d.security, CallSecurity::EndToEnd);
    assert!(!d.add_participant);
    assert!(d.check(Feature::AddParticipant).is_err());
    let add = s.decide_add(&["alice", "bob"], "carol");
    assert_eq!(
        rules(&add.reasons),
        vec![("bob", Rule::AddParticipantDisabled)]
    );
    assert!(!add.allowed);

    // Both allowed: adding is available, every other feature stays refused.
    s.grant_user("bob", Some("Tag:Grow")).unwrap();
    let d = s.decide("alice", "bob", CallKind::OneToOne);
    assert_eq!(d.security, CallSecurity::EndToEnd);
    assert!(d.add_participant);
    for f in Feature::ALL {
        let expected = if f == Feature::AddParticipant {
            Ok(())
        } else {
            Err(crate::Error::FeatureUnavailable(f))
        };
        assert_eq!(d.check(f), expected, "{f:?}");
        // The Teams gate itself is unchanged.
        assert!(d.security.check(f).is_err());
    }
    // The newcomer's policy needs to allow end-to-end encryption, not adding.
    assert!(!s.effective("carol").allow_add_participant);
    let add = s.decide_add(&["alice", "bob"], "carol");
    assert_eq!(
        add,
        AddDecision {
            allowed: true,
            reasons: vec![]
        }
    );
    // A participant named twice gives its reason once.
    s.grant_user("bob", Some(ALLOWED)).unwrap();
    let add = s.decide_add(&["alice", "bob", "bob"], "carol");
    assert_eq!(
        rules(&add.reasons),
        vec![("bob", Rule::AddParticipantDisabled)]
    );

    // A standard call can always add a participant, whatever the policies say.
    s.user_mut("bob").end_to_end_encrypted_calls = false;
    let d = s.decide("alice", "bob", CallKind::OneToOne);
    assert_eq!(d.security, CallSecurity::Standard);
    assert!(d.add_participant);
    for f in Feature::ALL {
        assert_eq!(d.check(f), Ok(()));
    }
}

#[test]
fn a_newcomer_who_cannot_use_e2ee_is_refused_with_the_reason() {
    let mut s = e2ee_pair();
    s.set_allow_add_participant(ALLOWED, true).unwrap();
    assert!(s.decide_add(&["alice", "bob"], "carol").allowed);

    // Setting off.
    s.user_mut("carol").end_to_end_encrypted_calls = false;
    let add = s.decide_add(&["alice", "bob"], "carol");
    assert!(!add.allowed);
    assert_eq!(rules(&add.reasons), vec![("carol", Rule::SettingOff)]);
    on(&mut s, "carol");

    // Policy Disabled (here: no grant, so Global).
    let add = s.decide_add(&["alice", "bob"], "dave");
    assert!(!add.allowed);
    assert_eq!(rules(&add.reasons), vec![("dave", Rule::PolicyDisabled)]);
    s.grant_user("carol", Some(OFF)).unwrap();
    let add = s.decide_add(&["alice", "bob"], "carol");
    assert_eq!(rules(&add.reasons), vec![("carol", Rule::PolicyDisabled)]);
    s.grant_user("carol", Some(ALLOWED)).unwrap();

    // Compliance recording.
    s.user_mut("carol").compliance_recording = true;
    let add = s.decide_add(&["alice", "bob"], "carol");
    assert!(!add.allowed);
    assert_eq!(
        rules(&add.reasons),
        vec![("carol", Rule::ComplianceRecording)]
    );

    // Every reason at once, participants first.
    s.set_allow_add_participant(ALLOWED, false).unwrap();
    s.user_mut("carol").end_to_end_encrypted_calls = false;
    let add = s.decide_add(&["alice", "bob"], "carol");
    assert_eq!(
        rules(&add.reasons),
        vec![
            ("alice", Rule::AddParticipantDisabled),
            ("bob", Rule::AddParticipantDisabled),
            ("carol", Rule::SettingOff),
            ("carol", Rule::ComplianceRecording),
        ]
    );
}

#[test]
fn allow_add_participant_is_admin_set_reset_and_kept_in_json() {
    let mut s = store();
    assert_eq!(
        s.set_allow_add_participant("Tag:nope", true),
        Err(AdminError::NoSuchPolicy("Tag:nope".into()))
    );
    s.set_allow_add_participant(ALLOWED, true).unwrap();
    s.set_allow_add_participant(GLOBAL, true).unwrap();
    // Changing the other settings leaves it alone.
    s.set_policy(ALLOWED, Some(CallingE2ee::Disabled), Some("d"))
        .unwrap();
    assert!(s.policy(ALLOWED).unwrap().allow_add_participant);

    let text = s.to_json();
    assert!(text.contains("\"allow_add_participant\": true"), "{text}");
    assert_eq!(PolicyStore::from_json(&text).unwrap(), s);
    let wrong = text.replacen(
        "\"allow_add_participant\": true",
        "\"allow_add_participant\": 1",
        1,
    );
    let e = PolicyStore::from_json(&wrong).unwrap_err();
    assert_eq!(e.path, "policies[0].allow_add_participant", "{e}");

    // Resetting Global turns it back off; a named policy keeps its own.
    s.reset_global();
    assert!(!s.policy(GLOBAL).unwrap().allow_add_participant);
    assert!(s.policy(ALLOWED).unwrap().allow_add_participant);
}

#[test]
fn a_store_written_before_the_setting_reads_it_as_off() {
    let old = r#"{
  "version": 1,
  "global_policy": "Global",
  "policies": [
    {"identity": "Global", "description": "", "calling_end_to_end_encryption": "Disabled"},
    {"identity": "Tag:E2EE-Calls", "calling_end_to_end_encryption": "DisabledUserOverride"}
  ],
  "users": {"alice": {"policy": "Tag:E2EE-Calls", "end_to_end_encrypted_calls": true}}
}"#;
    let s = PolicyStore::from_json(old).unwrap();
    assert!(s.policies.iter().all(|p| !p.allow_add_participant));
    assert!(!s.effective("alice").allow_add_participant);
    assert_eq!(s.effective("alice").intent, Intent::On);
    // Written back, the setting is spelled out.
    let text = s.to_json();
    assert_eq!(text.matches("\"allow_add_participant\": false").count(), 2);
    assert_eq!(PolicyStore::from_json(&text).unwrap(), s);
}
