//! The frame layer: SFrame (RFC 9605).
