//! What the sender and the receiver share.

use super::SrtpConfig;
use crate::error::{Error, Result};

pub(super) fn mki_len_checked(config: &SrtpConfig, with_mki: bool) -> Result<()> {
    config.validate()?;
    if with_mki != (config.mki_len != 0) {
        return Err(Error::InvalidConfig);
    }
    Ok(())
}
