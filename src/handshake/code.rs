//! The 20-digit security code both users compare, as the handshake derives it.

use core::fmt;

/// The 20-digit security code both users compare: `"ddddd ddddd ddddd ddddd"`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecurityCode([u8; 23]);

impl SecurityCode {
    /// From the 20 code bytes: four 5-byte big-endian integers, each mod 100000, as 5 digits.
    ///
    /// The handshake derives the bytes from its transcript; other key agreements that show the
    /// same kind of code (a group's, from its MLS epoch authenticator) derive their own bytes
    /// and format them here.
    pub fn from_bytes(bytes: &[u8; 20]) -> Self {
        let mut out = [b' '; 23];
        for (i, chunk) in bytes.chunks_exact(5).enumerate() {
            let mut v = chunk.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64) % 100_000;
            for d in (0..5).rev() {
                out[i * 6 + d] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        }
        SecurityCode(out)
    }

    /// The code as users see it.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).expect("ASCII digits and spaces")
    }
}

impl fmt::Display for SecurityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SecurityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecurityCode({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_code_format() {
        let mut b = [0u8; 20];
        b[4] = 7;
        b[5..10].copy_from_slice(&[0xff; 5]);
        let c = SecurityCode::from_bytes(&b);
        // 0xffffffffff = 1099511627775 -> 27775
        assert_eq!(c.as_str(), "00007 27775 00000 00000");
    }
}
