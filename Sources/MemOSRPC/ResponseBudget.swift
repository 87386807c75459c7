import MemOSCore
import SwiftProtobuf

/// Keeps responses under ``Limits/maxResponseBytes``, which every gRPC client's default receive limit needs.
public enum ResponseBudget {
    /// How many of `messages`, from the first, fit in `budget` bytes of a response; at least one when there are any.
    public static func fitting<M: SwiftProtobuf.Message>(
        _ messages: some Sequence<M>,
        budget: Int = Limits.maxResponseBytes
    ) -> Int {
        var used = 0
        var count = 0
        for message in messages {
            // The field's tag and length take at most 6 bytes.
            let size = ((try? message.serializedBytes() as [UInt8])?.count ?? budget) + 6
            if count > 0, used + size > budget { break }
            used += size
            count += 1
        }
        return count
    }

    /// The serialized size of a message in bytes.
    public static func size(of message: some SwiftProtobuf.Message) -> Int {
        (try? message.serializedBytes() as [UInt8])?.count ?? Int.max
    }
}

extension ResponseBudget {
    /// The part of a listing's page that goes out: `fetched` holds up to `pageSize + 1` items (one more than the
    /// page tells that more exist); the page keeps what fits in the budget, and `continueAfter` is the last item
    /// kept whenever more remain (the page was full, or ended early at the budget).
    public static func page<Item, Proto: SwiftProtobuf.Message>(
        _ fetched: [Item],
        pageSize: Int,
        budget: Int = Limits.maxResponseBytes,
        _ proto: (Item) -> Proto
    ) -> (protos: [Proto], continueAfter: Item?) {
        let protos = fetched.prefix(pageSize).map(proto)
        let fitting = Self.fitting(protos, budget: budget)
        return (Array(protos.prefix(fitting)), fetched.count > fitting && fitting > 0 ? fetched[fitting - 1] : nil)
    }
}
