//! End-to-end encryption policy, as in Teams: who may use it, when a call is end-to-end, and
//! what is unavailable in an end-to-end call.

use core::fmt;

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

    /// A short stable name, e.g. `live_captions`.
    pub fn name(self) -> &'static str {
        match self {
            Feature::LiveCaptions => "live_captions",
            Feature::Transcription => "transcription",
            Feature::Transfer => "transfer",
            Feature::Merge => "merge",
            Feature::Park => "park",
            Feature::ConsultThenTransfer => "consult_then_transfer",
            Feature::TransferToDevice => "transfer_to_device",
            Feature::AddParticipant => "add_participant",
            Feature::Recording => "recording",
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
