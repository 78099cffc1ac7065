//! What a call's security is, end-to-end or standard, and the call features an end-to-end
//! call makes unavailable.

use crate::error::{Error, Result};

/// A call feature that end-to-end encryption makes unavailable.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    /// Live captions.
    LiveCaptions,
    /// Transcription.
    Transcription,
    /// Call transfer.
    Transfer,
    /// Call merge.
    Merge,
    /// Call park.
    Park,
    /// Consult, then transfer.
    ConsultThenTransfer,
    /// Transfer to another device (call companion).
    TransferToDevice,
    /// Adding a participant.
    AddParticipant,
    /// Recording.
    Recording,
}

impl Feature {
    /// Every gated feature.
    pub const ALL: [Feature; 9] = [
        Feature::LiveCaptions,
        Feature::Transcription,
        Feature::Transfer,
        Feature::Merge,
        Feature::Park,
        Feature::ConsultThenTransfer,
        Feature::TransferToDevice,
        Feature::AddParticipant,
        Feature::Recording,
    ];
}

names!(Feature, crate::Error::UnknownName, "The name used in messages and JSON, e.g. `live_captions`.", {
    LiveCaptions => "live_captions",
    Transcription => "transcription",
    Transfer => "transfer",
    Merge => "merge",
    Park => "park",
    ConsultThenTransfer => "consult_then_transfer",
    TransferToDevice => "transfer_to_device",
    AddParticipant => "add_participant",
    Recording => "recording",
});

/// The security a call runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallSecurity {
    /// End-to-end encrypted.
    EndToEnd,
    /// Standard (hop-by-hop) encryption.
    Standard,
}

impl CallSecurity {
    /// The feature gate: in an end-to-end call every feature of [`Feature::ALL`] is refused
    /// with [`Error::FeatureUnavailable`] (the reason: the call is end-to-end encrypted); in a
    /// standard call all are allowed.
    pub fn check(self, feature: Feature) -> Result<()> {
        match self {
            CallSecurity::EndToEnd => Err(Error::FeatureUnavailable(feature)),
            CallSecurity::Standard => Ok(()),
        }
    }
}

names!(CallSecurity, crate::Error::UnknownName, "`end_to_end` or `standard`.", {
    EndToEnd => "end_to_end",
    Standard => "standard",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_gated_in_both_securities() {
        for f in Feature::ALL {
            assert_eq!(
                CallSecurity::EndToEnd.check(f),
                Err(Error::FeatureUnavailable(f))
            );
            assert_eq!(CallSecurity::Standard.check(f), Ok(()));
            let e = Error::FeatureUnavailable(f);
            assert!(e.to_string().contains(f.name()));
        }
        assert_eq!(Feature::ALL.len(), 9);
    }
}
