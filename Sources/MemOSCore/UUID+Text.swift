import Foundation

extension UUID {
    /// The canonical lower-case text form (`8-4-4-4-12` hex digits), as the API writes ids.
    ///
    /// Same text as `lowercasedString`, formatted from the bytes directly: Foundation formats `uuidString`
    /// with `snprintf`, which was a visible share of writing a 500-memory response.
    public var lowercasedString: String {
        withUnsafeBytes(of: self.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                let digits: StaticString = "0123456789abcdef"
                var position = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = digits.utf8Start[Int(byte >> 4)]
                    text[position + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }
}

extension UUID {
    /// A random (version 4) UUID from the system's generator (`getrandom` on Linux).
    ///
    /// Same kind of id as `UUID()`, which on Linux opens and reads `/dev/urandom` for each id: an import of
    /// 500 memories opened the device 500 times (about 5 % of the import benchmark process's CPU).
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { buffer in
            buffer.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
            buffer.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
            buffer[6] = buffer[6] & 0x0F | 0x40  // version 4
            buffer[8] = buffer[8] & 0x3F | 0x80  // variant 10xx (RFC 9562)
        }
        return UUID(uuid: bytes)
    }
}
