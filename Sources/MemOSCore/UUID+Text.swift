import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

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
    /// A random (version 4) UUID from the system's generator (`/dev/urandom` on Linux, `arc4random_buf` elsewhere).
    ///
    /// Same kind of id as `UUID()`, which on Linux opens and reads `/dev/urandom` for each id: an import of
    /// 500 memories opened the device 500 times (about 5 % of the import benchmark process's CPU). The bytes come
    /// 4 KB per read of /dev/urandom (``RandomBytes``): a request of 30 turns takes some 40 ids.
    public static func random() -> UUID {
        let (high, low) = randomBytes.withLock { $0.next16() }
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

private let randomBytes = Mutex(RandomBytes())

/// Bytes of the system's random generator, drawn 4 KB at a time and handed out 16 at a time.
struct RandomBytes {
    private var buffer = [UInt8](repeating: 0, count: 4_096)
    private var used = 4_096

    mutating func next16() -> (UInt64, UInt64) {
        if self.used + 16 > self.buffer.count {
            Self.fill(&self.buffer)
            self.used = 0
        }
        defer { self.used += 16 }
        return self.buffer.withUnsafeBytes { bytes in
            (
                bytes.loadUnaligned(fromByteOffset: self.used, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: self.used + 8, as: UInt64.self)
            )
        }
    }

    static func fill(_ buffer: inout [UInt8]) {
        buffer.withUnsafeMutableBytes { bytes in
            #if canImport(Glibc)
            // /dev/urandom, opened once (getrandom(2) has no Swift declaration here); a failed read falls back to
            // the standard library's generator, 8 bytes at a time.
            var filled = 0
            while urandom >= 0, filled < bytes.count {
                let count = read(urandom, bytes.baseAddress! + filled, bytes.count - filled)
                if count > 0 { filled += count } else if count == 0 || errno != EINTR { break }
            }
            var generator = SystemRandomNumberGenerator()
            while filled < bytes.count {
                withUnsafeBytes(of: generator.next() as UInt64) { word in
                    for index in 0..<min(8, bytes.count - filled) { bytes[filled + index] = word[index] }
                }
                filled += 8
            }
            #else
            arc4random_buf(bytes.baseAddress!, bytes.count)
            #endif
        }
    }
}

#if canImport(Glibc)
private let urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
#endif
