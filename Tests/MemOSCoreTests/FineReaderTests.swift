import Testing

@testable import MemOSCore

@Suite("Fine reader's answer parsing")
struct FineReaderTests {
    @Test("JSON inside fences and prose, with braces inside strings")
    func fencedWithProse() throws {
        let answer = """
            Sure! Here are the memories:
            ```json
            {"memory list": [{"key": "K", "memory_type": "UserMemory", "value": "Ann likes {curly} braces \\"a lot\\"", "tags": ["A", "b", "a"]}],
             "summary": "S"}
            ```
            Let me know {if} you need more.
            """
        let (memories, summary) = try FineReader.parse(answer)
        #expect(summary == "S")
        #expect(
            memories == [
                .init(key: "K", memoryType: .userMemory, value: #"Ann likes {curly} braces "a lot""#, tags: ["a", "b"])
            ]
        )
    }

    @Test("other spellings of the list, missing fields and unknown types get defaults")
    func defaults() throws {
        let (memories, summary) = try FineReader.parse(
            #"{"memories": [{"value": "Bob runs."}, {"value": "  "}, {"value": "Tea.", "memory_type": "Weird"}]}"#
        )
        #expect(summary == "")
        #expect(memories.map(\.value) == ["Bob runs.", "Tea."])
        #expect(memories.map(\.memoryType) == [.longTermMemory, .longTermMemory])
        #expect(memories[0].key == "Bob runs.")
        #expect(try FineReader.parse(#"{"memory_list": []}"#).memories.isEmpty)
    }

    @Test(
        "unusable answers are errors with a reason",
        arguments: [
            ("no JSON at all", "the answer holds no JSON object"),
            (#"{"memory list": [{"key": "x", "val"#, "the answer holds no JSON object"),
            (#"{"memory list": [oops]}"#, "the answer's JSON is not valid"),
            (#"{"facts": []}"#, #"the answer has no "memory list" array"#),
            (#"{"memory list": [{"key": "only a key"}]}"#, #"no item of the answer's "memory list" has a "value""#),
        ]
    )
    func failures(answer: String, reason: String) {
        #expect(throws: FineReader.ParseError(reason: reason)) { try FineReader.parse(answer) }
    }
}
