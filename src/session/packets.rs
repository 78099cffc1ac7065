//! The batch of packets one frame becomes.

/// A batch of packets to send, reused from frame to frame so sending allocates nothing once it
/// has grown to the largest frame.
#[derive(Debug, Default)]
pub struct Packets {
    pub(crate) data: Vec<u8>,
    pub(crate) ends: Vec<usize>,
}

impl Packets {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `bytes` of packets and `packets` of them, so that sending
    /// frames up to that size never allocates.
    pub fn with_capacity(bytes: usize, packets: usize) -> Self {
        Packets {
            data: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(packets),
        }
    }

    /// Forget the packets, keep the memory.
    pub fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
    }

    /// How many packets.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Packet `i`.
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    /// Every packet, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Drop the packets from `first` on (a frame that could not be sent whole).
    pub(crate) fn truncate(&mut self, first: usize) {
        self.data
            .truncate(if first == 0 { 0 } else { self.ends[first - 1] });
        self.ends.truncate(first);
    }
}
