import MemOSCore
import MemOSProto
import SwiftProtobuf

/// The instruction that lists the preferences a search found, for an LLM's prompt (MemOS's `pref_note`): likes
/// and dislikes apart when the memories say which (`info.polarity`), the others as they are.
enum PreferenceNote {
    static func make(_ preferences: [Memos_Common_V1_Memory]) -> String {
        guard !preferences.isEmpty else { return "" }
        var likes: [String] = []
        var dislikes: [String] = []
        var others: [String] = []
        for memory in preferences {
            switch memory.info.fields["polarity"]?.stringValue {
            case "like": likes.append(memory.content)
            case "dislike": dislikes.append(memory.content)
            default: others.append(memory.content)
            }
        }
        var lines = ["The user's preferences; follow them where they apply, and do not mention them unless asked:"]
        for (title, items) in [("Likes", likes), ("Dislikes", dislikes), ("Preferences", others)] where !items.isEmpty {
            lines.append("\(title):")
            lines += items.map { "- \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
