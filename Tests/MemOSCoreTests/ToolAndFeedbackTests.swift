import Foundation
import Testing

@testable import MemOSCore

@Suite("Tool trajectories and the feedback judge's answers")
struct ToolAndFeedbackTests {
    static func turn(_ role: String, _ content: String, tool: ToolTurn? = nil) -> StoredMessage {
        StoredMessage(message: ChatMessage(role: role, content: content, tool: tool), sessionID: "")
    }

    @Test("calls pair with their answers by id; an unanswered call and an answer without its call are kept")
    func pairing() {
        let messages = [
            Self.turn("user", "weather?"),
            Self.turn(
                "assistant",
                "",
                tool: ToolTurn(calls: [
                    ToolCall(id: "a", name: "get_weather", arguments: #"{"city": "Oslo"}"#),
                    ToolCall(id: "b", name: "get_time", arguments: "{}"),
                ])
            ),
            Self.turn("tool", #"{"error": "quota exceeded"}"#, tool: ToolTurn(callID: "a", durationMilliseconds: 12)),
            Self.turn("tool", "42 degrees", tool: ToolTurn(callID: "zzz")),
        ]
        let pairs = ToolTrajectory.pairs(in: messages)
        #expect(pairs.map(\.name) == ["get_weather", "get_time", "unknown"])
        #expect(pairs.map(\.status) == ["error", "no_result", "success"])
        #expect(pairs[0].messages.count == 2)
        #expect(pairs[0].content.contains("Outcome: failed in 12 ms"))
        #expect(pairs[1].content.contains("no result recorded"))
        #expect(pairs[0].info["tool_duration_ms"] == .number(12))
    }

    @Test("an answer is a failure by its JSON error field or its first word, or as the caller says")
    func failures() {
        #expect(ToolTrajectory.looksFailed(#"{"error": "boom"}"#))
        #expect(!ToolTrajectory.looksFailed(#"{"error": null, "value": 1}"#))
        #expect(!ToolTrajectory.looksFailed(#"{"error": false}"#))
        #expect(ToolTrajectory.looksFailed("Error: no such file"))
        #expect(ToolTrajectory.looksFailed("  exception in thread main"))
        #expect(!ToolTrajectory.looksFailed("no errors found"))
        let said = ToolTrajectory.pairs(in: [Self.turn("tool", "fine", tool: ToolTurn(callID: "x", failed: true))])
        #expect(said.first?.failed == true)
    }

    @Test("the judge's operations: indexes from 1, out of range or empty ones dropped, unknown types made long-term")
    func judge() throws {
        let answer = """
            Sure: {"operations": [{"op": "update", "index": 1, "content": "Lives in Porto."},
              {"op": "archive", "index": 3}, {"op": "archive", "index": 2}, {"op": "update", "index": 2, "content": " "},
              {"op": "add", "content": "Likes trams.", "memory_type": "SkillMemory"}, {"op": "merge"}]}
            """
        let operations = try FeedbackJudge.parse(answer, memoryCount: 2)
        #expect(
            operations == [
                .update(index: 0, content: "Lives in Porto."), .archive(index: 1),
                .add(content: "Likes trams.", memoryType: .longTermMemory),
            ]
        )
        #expect(throws: FineReader.ParseError.self) { try FeedbackJudge.parse("no JSON here", memoryCount: 1) }
        #expect(FeedbackJudge.prompt(feedback: "wrong", memories: []).contains("(none)"))
    }

    @Test("a feedback payload reads back as written")
    func payload() throws {
        let job = FeedbackJob(
            feedback: "no",
            memoryIDs: [UUID()],
            edits: [
                .init(memoryID: UUID(), content: "new", archive: false),
                .init(memoryID: UUID(), content: nil, archive: true),
            ],
            sessionID: "s"
        )
        #expect(try FeedbackJob(payload: job.payload) == job)
        #expect(throws: MemOSError.self) { try FeedbackJob(payload: [:]) }
    }
}
