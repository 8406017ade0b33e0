//! XXH64, the content hash of the manifest and of the freshness record: fast enough to hash
//! a tree of hundreds of environments in less time than reading it, and stable across
//! machines and versions (the manifest is committed). It detects edits, not attacks.

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

fn round(acc: u64, lane: u64) -> u64 {
    acc.wrapping_add(lane.wrapping_mul(P2)).rotate_left(31).wrapping_mul(P1)
}

fn merge(acc: u64, value: u64) -> u64 {
    (acc ^ round(0, value)).wrapping_mul(P1).wrapping_add(P4)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut lane = [0; 8];
    lane.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(lane)
}

fn u32_at(bytes: &[u8], at: usize) -> u64 {
    let mut lane = [0; 4];
    lane.copy_from_slice(&bytes[at..at + 4]);
    u64::from(u32::from_le_bytes(lane))
}

/// XXH64 of `bytes` with seed 0.
pub fn xxh64(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    let mut at = 0;
    let mut hash = if len >= 32 {
        let mut v = [P1.wrapping_add(P2), P2, 0, 0u64.wrapping_sub(P1)];
        while at + 32 <= len {
            for (i, acc) in v.iter_mut().enumerate() {
                *acc = round(*acc, u64_at(bytes, at + 8 * i));
            }
            at += 32;
        }
        let mut hash = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        for acc in v {
            hash = merge(hash, acc);
        }
        hash
    } else {
        P5
    };
    hash = hash.wrapping_add(len as u64);
    while at + 8 <= len {
        hash = (hash ^ round(0, u64_at(bytes, at))).rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        at += 8;
    }
    if at + 4 <= len {
        hash = (hash ^ u32_at(bytes, at).wrapping_mul(P1)).rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        at += 4;
    }
    while at < len {
        hash = (hash ^ u64::from(bytes[at]).wrapping_mul(P5)).rotate_left(11).wrapping_mul(P1);
        at += 1;
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(P2);
    hash ^= hash >> 29;
    hash = hash.wrapping_mul(P3);
    hash ^ (hash >> 32)
}

/// The hash of a file's content as the manifest writes it: 16 hex digits.
pub fn content_hash(bytes: &[u8]) -> String {
    format!("{:016x}", xxh64(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_vectors() {
        // From the xxHash reference implementation, over every path: no stripe, 4-, 8- and
        // 1-byte tails, exactly one 32-byte stripe.
        let vectors: [(&str, u64); 7] = [
            ("", 0xef46_db37_51d8_e999),
            ("a", 0xd24e_c4f1_a98c_6e5b),
            ("abc", 0x44bc_2cf5_ad77_0999),
            ("1234", 0xd831_6e61_d84f_6ba4),
            ("12345678", 0xd2d0_2f08_cf7c_fd4a),
            ("1234567890123456789012345678901", 0x8f36_7cb8_73a5_376e),
            ("12345678901234567890123456789012", 0x40fd_1aa5_2d98_274c),
        ];
        for (input, expected) in vectors {
            assert_eq!(xxh64(input.as_bytes()), expected, "{input:?}");
        }
        assert_eq!(content_hash(b"abc"), "44bc2cf5ad770999");
    }
}
