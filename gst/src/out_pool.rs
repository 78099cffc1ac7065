//! Output buffers for the SRTP elements from a recycling pool: in the steady state a packet
//! costs no allocation. Packets larger than the pool's buffers get a buffer of their own.

use gst::prelude::*;

/// The pool's buffer size: an Ethernet-MTU RTP packet plus the largest SRTP/SRTCP overhead,
/// with room to spare.
pub const POOL_BUFFER_SIZE: usize = 2048;

#[derive(Default)]
pub struct OutPool {
    pool: Option<gst::BufferPool>,
}

impl OutPool {
    /// A writable buffer of `len` bytes.
    pub fn acquire(&mut self, len: usize) -> Result<gst::Buffer, gst::FlowError> {
        if len > POOL_BUFFER_SIZE {
            return gst::Buffer::with_size(len).map_err(|_| gst::FlowError::Error);
        }
        if self.pool.is_none() {
            let pool = gst::BufferPool::new();
            let mut config = pool.config();
            config.set_params(None, POOL_BUFFER_SIZE as u32, 0, 0);
            pool.set_config(config).map_err(|_| gst::FlowError::Error)?;
            pool.set_active(true).map_err(|_| gst::FlowError::Error)?;
            self.pool = Some(pool);
        }
        let pool = self.pool.as_ref().expect("made above");
        let mut buf = pool.acquire_buffer(None)?;
        buf.get_mut().ok_or(gst::FlowError::Error)?.set_size(len);
        Ok(buf)
    }

    /// Release the pool's buffers (on the way to READY).
    pub fn stop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let _ = pool.set_active(false);
        }
    }
}
