import MCP
import MemOSCore

/// The tools and the resource template, as a client lists them: names, JSON Schemas with their limits, and
/// descriptions written for the language model that chooses among them.
extension MemoryTools {
    /// Every tool, in the order a client lists them.
    public static let tools: [Tool] = [
        searchMemories, addMemory, addConversation, getMemory, updateMemory, deleteMemory, listMemories, listCubes,
    ]

    /// What the server tells a client about using its tools (the `instructions` of the initialize result).
    public static let instructions = """
        Long-term memory of the user, kept by MemOS-Swift. Before answering anything that may depend on what the \
        user said or stored before (their preferences, facts about them, earlier decisions, their documents), call \
        search_memories. When the user states a lasting fact or preference, or asks you to remember something, \
        store it with add_memory (one self-contained fact per memory), or store the exchange with add_conversation. \
        Memories live in cubes: list_cubes shows the ones you may read and write. Memory ids come from \
        search_memories and list_memories.
        """

    static let searchMemories = Tool(
        name: "search_memories",
        title: "Search memories",
        description: """
            Finds the user's stored memories most relevant to a question or topic, by meaning and by keywords \
            together. Call it before answering anything that may depend on what the user told you before: their \
            preferences, facts about them, past decisions, or documents they added. Returns at most top_k hits, \
            best first, one a line: its score (the estimated probability that the memory is relevant, 0 to 1; a \
            few percent is typical of a useful hit), its id, type and cube, and its text; a chunk of a document \
            also cites the document, section and pages. No hit means nothing stored is relevant.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "query": [
                    "type": "string", "minLength": 1,
                    "description": "What to look for, in words: a question or a topic. 1 to 8,192 bytes.",
                ],
                "cube_ids": [
                    "type": "array", "items": ["type": "string", "minLength": 1],
                    "maxItems": .int(Limits.maxCubesPerSearch),
                    "description": """
                    The cubes to search, at most 32. Default: every cube you can read (the first 32, see \
                    list_cubes).
                    """,
                ],
                "top_k": [
                    "type": "integer", "minimum": 1, "maximum": .int(Limits.maxTopK),
                    "default": .int(Limits.defaultTopK),
                    "description": "How many hits at most, 1 to 100; default 10.",
                ],
                "memory_types": [
                    "type": "array", "items": memoryTypeSchema(nil),
                    "description":
                        "Only memories of these types (RAW_FILE_MEMORY: chunks of documents). Default: every type.",
                ],
                "filter": [
                    "type": "object",
                    "description": """
                    Only memories matching this expression, in the API's filter grammar: {"condition": {"field", \
                    "op", "value"}}, or {"and": {"filters": [...]}}, {"or": {"filters": [...]}}, {"not": {...}}. \
                    op: EQ, NE, GT, GTE, LT, LTE, IN, CONTAINS, LIKE. Fields: id, key, content, tags, session_id, \
                    memory_type, created_at, updated_at, valid_from, valid_to (RFC 3339 times), document_id, \
                    document_name, document_media_type, info.<name>. At most 64 conditions, 8 levels deep. \
                    Example, memories tagged food: {"condition": {"field": "tags", "op": "CONTAINS", "value": \
                    "food"}}.
                    """,
                ],
            ],
            "required": ["query"],
            "additionalProperties": false,
        ],
        annotations: .init(readOnlyHint: true, openWorldHint: false)
    )

    static let addMemory = Tool(
        name: "add_memory",
        title: "Add a memory",
        description: """
            Stores one memory in a cube, as given: a fact, preference or note worth remembering across \
            conversations. Write it self-contained and in the third person ("Alice prefers tea to coffee"), one \
            fact per memory. Storing text equal to a live memory of the cube stores nothing new and returns that \
            memory. Needs the owner's or a writer's role in the cube. Returns the memory's id.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "cube_id": cubeIDSchema("The cube to store the memory in (see list_cubes)."),
                "content": [
                    "type": "string", "minLength": 1,
                    "description": "The memory's text, 1 to 16,384 bytes.",
                ],
                "tags": tagsSchema("Tags to find it by later, at most 32, each 1 to 64 bytes."),
                "memory_type": memoryTypeSchema(
                    """
                    Its kind; default LONG_TERM_MEMORY. USER_MEMORY: a fact the user stated about themselves; \
                    PREFERENCE_MEMORY: a preference of the user.
                    """
                ),
                "key": [
                    "type": "string",
                    "description": "A short title, at most 256 bytes. Default: the first words of the content.",
                ],
            ],
            "required": ["cube_id", "content"],
            "additionalProperties": false,
        ],
        annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false)
    )

    static let addConversation = Tool(
        name: "add_conversation",
        title: "Add a conversation",
        description: """
            Stores conversation turns in a cube, which turns them into memories: in fast mode (the default) each \
            few consecutive turns become one memory holding them as said; in fine mode the server's language \
            model extracts self-contained facts (an error when none is configured). Use it to remember an \
            exchange as a whole; use add_memory for one fact you phrase yourself. Needs the owner's or a writer's \
            role in the cube. Returns the memories made.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "cube_id": cubeIDSchema("The cube to store the conversation in (see list_cubes)."),
                "messages": [
                    "type": "array", "minItems": 1, "maxItems": .int(Limits.maxMessagesPerRequest),
                    "description": "The turns in the order they were said, 1 to 1,000.",
                    "items": [
                        "type": "object",
                        "properties": [
                            "role": [
                                "type": "string", "enum": ["user", "assistant", "system", "tool"],
                                "description": "Who said it.",
                            ],
                            "content": [
                                "type": "string", "minLength": 1,
                                "description": "What was said, 1 to 32,768 bytes.",
                            ],
                        ],
                        "required": ["role", "content"],
                        "additionalProperties": false,
                    ],
                ],
                "session_id": [
                    "type": "string",
                    "description":
                        "The conversation's session, at most 128 bytes; searches in it rank its memories higher.",
                ],
                "mode": [
                    "type": "string", "enum": ["fast", "fine"], "default": "fast",
                    "description":
                        "fast: no language model, turns kept as said; fine: facts extracted by the server's LLM.",
                ],
            ],
            "required": ["cube_id", "messages"],
            "additionalProperties": false,
        ],
        annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false)
    )

    static let getMemory = Tool(
        name: "get_memory",
        title: "Get a memory",
        description: """
            Reads one memory in full by its id (from search_memories or list_memories): its text, type, status, \
            tags, title, version, times and, for a document chunk, where it comes from. A deleted memory is \
            returned with status DELETED.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "cube_id": cubeIDSchema("The memory's cube."),
                "memory_id": memoryIDSchema("The memory's id."),
            ],
            "required": ["cube_id", "memory_id"],
            "additionalProperties": false,
        ],
        annotations: .init(readOnlyHint: true, openWorldHint: false)
    )

    static let updateMemory = Tool(
        name: "update_memory",
        title: "Update a memory",
        description: """
            Changes a memory's text, tags or title, for example to correct a fact that changed. Only the fields \
            given change; the previous state is kept in the memory's history. Needs the owner's or a writer's role \
            in the cube. Returns the memory as it is now.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "cube_id": cubeIDSchema("The memory's cube."),
                "memory_id": memoryIDSchema("The memory to change."),
                "content": [
                    "type": "string", "minLength": 1,
                    "description": "The new text, 1 to 16,384 bytes.",
                ],
                "tags": tagsSchema("The new tags, replacing the old ones: at most 32, each 1 to 64 bytes."),
                "key": ["type": "string", "description": "The new title, at most 256 bytes."],
            ],
            "required": ["cube_id", "memory_id"],
            "additionalProperties": false,
        ],
        annotations: .init(readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false)
    )

    static let deleteMemory = Tool(
        name: "delete_memory",
        title: "Delete memories",
        description: """
            Deletes memories by id, for example a fact the user asks you to forget or one that is wrong. The delete \
            is soft: the memories stop being found but are kept with their history and can be restored (HTTP POST \
            /v1/memories/restore, or RestoreMemories over gRPC). Needs the owner's or a writer's role in the cube. \
            Returns how many were deleted.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "cube_id": cubeIDSchema("The memories' cube."),
                "memory_ids": [
                    "type": "array", "items": memoryIDSchema("A memory's id."), "minItems": 1,
                    "maxItems": .int(Limits.maxIDsPerRequest),
                    "description": "The memories to delete, 1 to 1,000 ids.",
                ],
            ],
            "required": ["cube_id", "memory_ids"],
            "additionalProperties": false,
        ],
        annotations: .init(readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false)
    )

    static let listMemories = Tool(
        name: "list_memories",
        title: "List memories",
        description: """
            Lists a cube's active memories, newest first, a page at a time: one a line with id, type, tags and \
            text. Use it to browse what a cube holds; use search_memories to find something in particular. When \
            more remain, the result ends with a page_token to pass back for the next page.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "cube_id": cubeIDSchema("The cube to list (see list_cubes)."),
                "page_size": [
                    "type": "integer", "minimum": 1, "maximum": .int(Limits.maxPageSize),
                    "default": .int(Self.defaultPageSize),
                    "description": "Memories per page, 1 to 500; default 20.",
                ],
                "page_token": [
                    "type": "string",
                    "description": "The page_token of the previous page, unchanged; absent for the first page.",
                ],
            ],
            "required": ["cube_id"],
            "additionalProperties": false,
        ],
        annotations: .init(readOnlyHint: true, openWorldHint: false)
    )

    static let listCubes = Tool(
        name: "list_cubes",
        title: "List cubes",
        description: """
            Lists the cubes (memory spaces) you are a member of, one a line: the cube id, your role in it (owner \
            and writer may add, change and delete memories; reader may only search and read) and its owner. The \
            cube ids are what the other tools take.
            """,
        inputSchema: ["type": "object", "properties": [:], "additionalProperties": false],
        annotations: .init(readOnlyHint: true, openWorldHint: false)
    )

    /// `memos://cubes/{cube_id}/memories`: a cube's most recent memories as text.
    public static let cubeMemoriesTemplate = Resource.Template(
        uriTemplate: "memos://cubes/{cube_id}/memories",
        name: "cube-memories",
        title: "Recent memories of a cube",
        description: "The 20 most recent active memories of a cube, newest first, one a line.",
        mimeType: "text/plain"
    )

    /// Memories a `list_memories` page holds unless asked otherwise.
    static let defaultPageSize = 20
    /// Memories a cube's resource shows.
    static let resourcePageSize = 20

    static func memoryTypeSchema(_ description: String?) -> Value {
        var schema: [String: Value] = [
            "type": "string",
            "enum": .array(ToolArguments.memoryTypeNames.map { .string($0.name) }),
        ]
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    static func cubeIDSchema(_ description: String) -> Value {
        ["type": "string", "minLength": 1, "description": .string(description + " At most 128 bytes.")]
    }

    static func memoryIDSchema(_ description: String) -> Value {
        ["type": "string", "format": "uuid", "description": .string(description)]
    }

    static func tagsSchema(_ description: String) -> Value {
        [
            "type": "array", "items": ["type": "string", "minLength": 1], "maxItems": .int(Limits.maxTags),
            "description": .string(description),
        ]
    }
}
