import Foundation
import Synchronization

/// A TCP proxy in front of PostgreSQL that cuts a connection at a chosen point of the protocol: the first time a
/// client message contains a marker (`BEGIN`, `COMMIT`, a statement's text), it closes both sides, either before the
/// message reaches the server (nothing of it happened) or after the server has had it (it happened; the client
/// never hears). Connections after the cut pass through untouched.
final class FaultProxy: Sendable {
    enum Cut: Sendable {
        /// Close before forwarding the message that holds the marker.
        case before(String)
        /// Forward it, give the server a moment to act, then close before its answer returns.
        case after(String)
        /// Forward it, let the first `bytes` of its answer through, then close: a connection lost mid-result.
        case partway(String, bytes: Int)
    }

    let port: Int
    private let listener: Int32
    private let target: (host: String, port: Int)
    private let armed = Mutex<Cut?>(nil)
    private let cuts = Mutex(0)

    init(targetHost: String, targetPort: Int) throws {
        self.target = (targetHost, targetPort)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = Self.address("127.0.0.1", 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 64) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        self.port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in self.acceptLoop() }
    }

    /// Cuts the next connection that sends a message matching `cut`.
    func arm(_ cut: Cut) { self.armed.withLock { $0 = cut } }

    /// How many connections have been cut.
    var cutCount: Int { self.cuts.withLock { $0 } }

    func close() {
        shutdown(self.listener, Int32(SHUT_RDWR))
        Foundation.close(self.listener)
    }

    private static func address(_ host: String, _ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(self.listener, nil, nil)
            if client < 0 { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.address(
                self.target.host == "localhost" ? "127.0.0.1" : self.target.host,
                self.target.port
            )
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if connected != 0 {
                Foundation.close(client)
                Foundation.close(server)
                continue
            }
            let muted = Muted()
            Thread.detachNewThread { [self] in self.pump(from: client, to: server, inspect: true, muted: muted) }
            Thread.detachNewThread { [self] in self.pump(from: server, to: client, inspect: false, muted: muted) }
        }
    }

    /// Set once the server's answers must no longer reach the client.
    final class Muted: Sendable {
        private let value = Mutex(false)
        /// Bytes of the answer still allowed through before the connection is cut, once set by a `partway` cut.
        private let allowance = Mutex<Int?>(nil)
        var isSet: Bool { self.value.withLock { $0 } }
        func set() { self.value.withLock { $0 = true } }
        func allow(_ bytes: Int) { self.allowance.withLock { $0 = bytes } }
        /// How many of `count` answer bytes may pass, and whether the connection is to be cut after them.
        func take(_ count: Int) -> (pass: Int, cut: Bool) {
            self.allowance.withLock { allowance in
                guard let left = allowance else { return (count, false) }
                allowance = left - min(left, count)
                return (min(left, count), left <= count)
            }
        }
    }

    private func pump(from source: Int32, to destination: Int32, inspect: Bool, muted: Muted) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        defer {
            shutdown(source, Int32(SHUT_RDWR))
            shutdown(destination, Int32(SHUT_RDWR))
            if inspect {
                // The client side owns closing both descriptors, once both pumps have stopped reading.
                usleep(100_000)
                Foundation.close(source)
                Foundation.close(destination)
            }
        }
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if received <= 0 { return }
            if muted.isSet { continue }
            var count = received
            var cutPartway = false
            if !inspect {
                (count, cutPartway) = muted.take(count)
            }
            var cutAfter = false
            if inspect, let cut = self.matchingCut(buffer[0..<count]) {
                switch cut {
                case .before:
                    self.cuts.withLock { $0 += 1 }
                    return
                case .after:
                    muted.set()
                    cutAfter = true
                case .partway(_, let bytes):
                    muted.allow(bytes)
                }
            }
            var sent = 0
            while sent < count {
                let written = buffer.withUnsafeBytes {
                    send(destination, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL))
                }
                if written <= 0 { return }
                sent += written
            }
            if cutAfter {
                usleep(200_000)
                self.cuts.withLock { $0 += 1 }
                return
            }
            if cutPartway {
                self.cuts.withLock { $0 += 1 }
                return
            }
        }
    }

    /// The armed cut, disarmed, when these bytes hold its marker.
    private func matchingCut(_ bytes: ArraySlice<UInt8>) -> Cut? {
        self.armed.withLock { armed in
            guard let cut = armed else { return nil }
            let marker: String
            switch cut {
            case .before(let text), .after(let text), .partway(let text, _): marker = text
            }
            let needle = Array(marker.utf8)
            guard bytes.count >= needle.count else { return nil }
            let haystack = Array(bytes)
            for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
                if Array(haystack[start..<(start + needle.count)]) == needle {
                    armed = nil
                    return cut
                }
            }
            return nil
        }
    }
}
