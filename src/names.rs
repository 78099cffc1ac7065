//! The names of the crate's enums: one table per type gives its `name()`, its `Display` and its
//! `FromStr`, so the three never disagree.

/// `names!(Type, error for an unknown name, "doc of name()", { Variant => "name", … })`.
macro_rules! names {
    ($ty:ident, $unknown:expr, $doc:literal, { $($v:ident => $n:literal),+ $(,)? }) => {
        impl $ty {
            #[doc = $doc]
            ///
            /// `Display` writes it and `FromStr` reads it back.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$v => $n,)+
                }
            }
        }

        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl core::str::FromStr for $ty {
            type Err = crate::Error;

            fn from_str(s: &str) -> crate::Result<Self> {
                match s {
                    $($n => Ok($ty::$v),)+
                    _ => Err($unknown),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::session::Layers;
    use crate::*;
    use core::fmt::Debug;
    use core::str::FromStr;

    fn round_trip<T>(all: &[T], unknown: Error)
    where
        T: FromStr<Err = Error> + core::fmt::Display + PartialEq + Debug + Copy,
    {
        for &v in all {
            assert_eq!(v.to_string().parse::<T>(), Ok(v));
        }
        assert_eq!("no such name".parse::<T>(), Err(unknown));
        assert_eq!("".parse::<T>(), Err(unknown));
    }

    #[test]
    fn every_name_reads_back() {
        let u = Error::UnknownName;
        round_trip(&Direction::ALL, u);
        round_trip(&MediaKind::ALL, u);
        round_trip(&[Role::Caller, Role::Callee], u);
        round_trip(&[Intent::Off, Intent::On, Intent::Required], u);
        round_trip(&SrtpSuite::ALL, Error::UnsupportedSuite);
        round_trip(&SframeSuite::ALL, Error::UnsupportedSuite);
        round_trip(&[Layers::Srtp, Layers::Sframe, Layers::Both], u);
        round_trip(&Feature::ALL, u);
        round_trip(&[CallSecurity::EndToEnd, CallSecurity::Standard], u);
        #[cfg(feature = "policy")]
        {
            use crate::policy::{CallKind, CallingE2ee, Rule};
            round_trip(
                &[CallingE2ee::Disabled, CallingE2ee::DisabledUserOverride],
                u,
            );
            round_trip(
                &[
                    CallKind::OneToOne,
                    CallKind::Meeting,
                    CallKind::Group,
                    CallKind::Pstn,
                ],
                u,
            );
            round_trip(
                &[
                    Rule::PolicyDisabled,
                    Rule::SettingOff,
                    Rule::ComplianceRecording,
                    Rule::CallKindNotEligible,
                    Rule::E2eeRequired,
                    Rule::AddParticipantDisabled,
                ],
                u,
            );
            assert_eq!("one-to-one".parse(), Ok(CallKind::OneToOne));
        }
        assert_eq!("AEAD_AES_128_GCM".parse(), Ok(SrtpSuite::AeadAes128Gcm));
    }
}
