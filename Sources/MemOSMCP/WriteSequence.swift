import Synchronization

/// The highest change sequence number of the writes made through one set of tools (one MCP session), passed to
/// search as `min_change_seq` so that a session finds what it has just stored.
final class WriteSequence: Sendable {
    private let highest = Mutex<Int64>(0)

    /// 0 before any write: search does not wait.
    var last: Int64 { self.highest.withLock { $0 } }

    func saw(_ changeSeq: Int64) {
        self.highest.withLock { $0 = max($0, changeSeq) }
    }
}
