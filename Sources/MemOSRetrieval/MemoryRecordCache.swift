import Foundation
import MemOSCore
import Synchronization

/// Memories that searches returned, as PostgreSQL stored them at a change sequence number, so that a search
/// returns them again without reading PostgreSQL.
///
/// A search takes a record only when the index holds the same change of the memory, so the memory returned is
/// the one the index ranked: every change to a memory's content, attributes, validity or status takes a new change
/// sequence number (Schema migration 5), and a record of another number is read again and replaced. The one column
/// that changes without a number is `usage_count` (bookkeeping, see ``UsageBatcher``): a record counts the
/// accesses this process served since it was read; other replicas' accesses show once it is read again. Records
/// keep no vector (the index has it).
///
/// Bounded by an estimate of the bytes the records take (``estimatedBytes(_:)``); beyond the budget the records
/// kept longest ago are dropped first. A budget of 0 keeps nothing, and every search reads PostgreSQL.
public final class MemoryRecordCache: Sendable {
    /// 128 MiB: about 200,000 memories of a few hundred bytes of text each.
    public static let defaultBudget = 128 << 20

    struct Key: Hashable {
        var cubeID: String
        var id: UUID
    }

    /// A memory wanted at the change sequence number the index holds for it.
    struct Wanted {
        var cubeID: String
        var id: UUID
        var changeSeq: Int64
    }

    private struct State {
        var records: [Key: Memory] = [:]
        /// Keys in the order they were first kept, each once; those before `front` were dropped.
        var order: [Key] = []
        var front = 0
        var bytes = 0
    }

    /// Most bytes the records may take, as ``estimatedBytes(_:)`` counts them.
    public let budget: Int
    private let state = Mutex(State())

    public init(budget: Int = MemoryRecordCache.defaultBudget) {
        self.budget = max(0, budget)
    }

    /// Records held, and the bytes they take by the estimate.
    var usage: (records: Int, bytes: Int) {
        self.state.withLock { ($0.records.count, $0.bytes) }
    }

    /// The records of `wanted` kept at exactly the wanted change sequence numbers, by id; each returned record
    /// counts one more access for the next time it is returned.
    func records(_ wanted: [Wanted]) -> [UUID: Memory] {
        guard self.budget > 0, !wanted.isEmpty else { return [:] }
        return self.state.withLock { state in
            var found: [UUID: Memory] = [:]
            for item in wanted {
                let key = Key(cubeID: item.cubeID, id: item.id)
                guard let record = state.records[key], record.changeSeq == item.changeSeq else { continue }
                found[item.id] = record
                state.records[key]!.usageCount += 1
            }
            return found
        }
    }

    /// Keeps `memories`, read from PostgreSQL to be returned (without their vectors, with that access counted),
    /// replacing older records of them; then drops the records kept longest ago while the estimate is above the
    /// budget.
    func keep(_ memories: some Sequence<Memory>) {
        guard self.budget > 0 else { return }
        self.state.withLock { state in
            for memory in memories {
                var record = memory
                record.embedding = []
                record.usageCount += 1
                let key = Key(cubeID: memory.cubeID, id: memory.id)
                if let old = state.records.updateValue(record, forKey: key) {
                    state.bytes -= Self.estimatedBytes(old)
                } else {
                    state.order.append(key)
                }
                state.bytes += Self.estimatedBytes(record)
            }
            while state.bytes > self.budget, state.front < state.order.count {
                let key = state.order[state.front]
                state.front += 1
                if let dropped = state.records.removeValue(forKey: key) { state.bytes -= Self.estimatedBytes(dropped) }
            }
            if state.front > 4_096, state.front * 2 > state.order.count {
                state.order.removeFirst(state.front)
                state.front = 0
            }
        }
    }

    /// An estimate of the bytes a record takes: a fixed part for the struct, the dictionary slot and the ordering,
    /// its texts, and a share per info field and source.
    static func estimatedBytes(_ memory: Memory) -> Int {
        let texts =
            memory.content.utf8.count + memory.key.utf8.count + memory.sessionID.utf8.count
            + memory.embeddingModel.utf8.count + memory.tags.reduce(0) { $0 + $1.utf8.count + 16 }
        return 320 + texts + 96 * memory.info.count + 160 * memory.sources.count
    }
}
