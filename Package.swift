// swift-tools-version: 6.1
import PackageDescription

let products: [Product] = [
    .executable(name: "memos", targets: ["memos"]),
    .executable(name: "memos-bench", targets: ["memos-bench"]),
]

let dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
    .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
    .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
]

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// What the PostgreSQL-backed tests link: the whole system, its clients and the servers it speaks to.
let stackDependencies: [Target.Dependency] = [
    "MemOSCore",
    "MemOSDocumentFixtures",
    "MemOSEmbedding",
    "MemOSOpenAI",
    "MemOSPostgres",
    "MemOSProto",
    "MemOSRPC",
    "MemOSAccounts",
    "MemOSIngest",
    "MemOSRetrieval",
    "MemOSScheduler",
    "MemOSGateway",
    "MemOSServer",
    .product(name: "SystemPackage", package: "swift-system"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "AsyncHTTPClient", package: "async-http-client"),
    .product(name: "MCP", package: "swift-sdk"),
    .product(name: "GRPCCore", package: "grpc-swift-2"),
    .product(name: "SwiftProtobuf", package: "swift-protobuf"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "HummingbirdTesting", package: "hummingbird"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
]

var targets: [Target] = [
    // Domain: types, ports, errors, validation. No NIO, gRPC or PostgreSQL.
    .target(
        name: "MemOSCore",
        dependencies: [],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "MemOSCoreTests",
        dependencies: ["MemOSCore"],
        // The preference detector's labelled sentences.
        resources: [.copy("Resources/preference-labels.jsonl")],
        swiftSettings: swiftSettings
    ),

    // PostgreSQL adapter: schema migrations, memory store, accounts, jobs.
    .target(
        name: "MemOSPostgres",
        dependencies: [
            "MemOSCore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            // The pool's own errors (ConnectionPoolError), which PostgresClient passes through unwrapped.
            .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ],
        // The SQL the migrations are generated from (scripts/generate-migrations.py): compiled in, not shipped.
        exclude: ["Migrations"],
        swiftSettings: swiftSettings
    ),

    // OpenBLAS's CBLAS (Debian: libopenblas-dev), for the built-in embedder's matrix products.
    .systemLibrary(
        name: "CBLAS",
        pkgConfig: "openblas",
        providers: [.apt(["libopenblas-dev"])]
    ),

    // C kernels with per-CPU variants chosen at run time: the embedder's 16-bit linear layers and attention, and the
    // search index's dot products.
    .target(name: "CKernels"),

    // The built-in embedder: all-MiniLM-L6-v2 computed in-process (the default).
    .target(
        name: "MemOSEmbedding",
        dependencies: [
            "MemOSCore",
            "CBLAS",
            "CKernels",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings
    ),

    // Clients of OpenAI-compatible APIs: the language model (chat completions) and remote embeddings.
    .target(
        name: "MemOSOpenAI",
        dependencies: [
            "MemOSCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "MemOSEmbeddingTests",
        dependencies: [
            "MemOSEmbedding",
            "MemOSOpenAI",
            "MemOSCore",
            "CKernels",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ],
        resources: [.copy("Fixtures")],
        swiftSettings: swiftSettings
    ),

    // libxml2's HTML parser (Debian: libxml2-dev), for HTML documents.
    .systemLibrary(
        name: "CLibXML2",
        pkgConfig: "libxml-2.0",
        providers: [.apt(["libxml2-dev"])]
    ),

    // Documents: file formats recognised and parsed (text, Markdown, HTML, PDF, DOCX), cut into chunks that fit the
    // embedder, and made into memories.
    .target(
        name: "MemOSDocuments",
        dependencies: [
            "MemOSCore", "CLibXML2",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            .product(name: "Crypto", package: "swift-crypto"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "MemOSDocumentsTests",
        dependencies: [
            "MemOSDocuments", "MemOSCore", "MemOSDocumentFixtures",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ],
        swiftSettings: swiftSettings
    ),
    // PDF and DOCX files made in code, for the parsers' tests and the integration tests.
    .target(
        name: "MemOSDocumentFixtures",
        dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
        path: "Tests/MemOSDocumentFixtures",
        swiftSettings: swiftSettings
    ),

    // Generated protobuf messages and gRPC stubs (scripts/generate-protos.sh).
    .target(
        name: "MemOSProto",
        dependencies: [
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ],
        swiftSettings: [.swiftLanguageMode(.v6)]
    ),

    // RPC plumbing shared by the services: auth interceptor, error mapping, health, conversions.
    .target(
        name: "MemOSRPC",
        dependencies: [
            "MemOSCore",
            "MemOSProto",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings
    ),

    // Users, API keys, cubes and members over gRPC (hosted by the scheduler process).
    .target(
        name: "MemOSAccounts",
        dependencies: [
            "MemOSCore", "MemOSProto", "MemOSRPC",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "MemOSIngest",
        dependencies: [
            "MemOSCore", "MemOSDocuments", "MemOSProto", "MemOSRPC",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "MemOSRetrieval",
        dependencies: [
            "MemOSCore", "MemOSProto", "MemOSRPC", "CKernels",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
    // The in-process vector index on its own (HNSW recall against exact search).
    .testTarget(
        name: "MemOSRetrievalTests",
        dependencies: ["MemOSRetrieval", "MemOSCore", "CBLAS"],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "MemOSScheduler",
        dependencies: [
            "MemOSCore", "MemOSDocuments", "MemOSProto", "MemOSRPC", "CBLAS",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),

    // The memory tools for MCP clients (Model Context Protocol), over stdio (`memos mcp`) and the gateway's /mcp.
    .target(
        name: "MemOSMCP",
        dependencies: [
            "MemOSCore", "MemOSProto", "MemOSRPC",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "MCP", package: "swift-sdk"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "MemOSMCPTests",
        dependencies: [
            "MemOSMCP", "MemOSProto", "MemOSCore",
            .product(name: "MCP", package: "swift-sdk"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ],
        swiftSettings: swiftSettings
    ),

    // HTTP/JSON gateway in front of the gRPC services.
    .target(
        name: "MemOSGateway",
        dependencies: [
            "MemOSCore",
            "MemOSProto",
            "MemOSRPC",
            "MemOSMCP",
            .product(name: "MCP", package: "swift-sdk"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "MultipartKit", package: "multipart-kit"),
        ],
        // The memory browser's files, compiled in by scripts/generate-ui.py.
        exclude: ["UI"],
        swiftSettings: swiftSettings
    ),

    // The composition root: builds each process's servers; shared by the executable and the tests.
    .target(
        name: "MemOSServer",
        dependencies: [
            "MemOSCore", "MemOSEmbedding", "MemOSOpenAI", "MemOSPostgres", "MemOSRPC", "MemOSAccounts", "MemOSIngest",
            "MemOSRetrieval", "MemOSScheduler", "MemOSGateway", "MemOSDocuments",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings
    ),

    // The composition root's own logic, without a database: the settings catalog.
    .testTarget(
        name: "MemOSServerTests",
        dependencies: ["MemOSServer", "MemOSCore"],
        swiftSettings: swiftSettings
    ),

    // The one executable: a subcommand per service, `all` and `migrate`.
    .executableTarget(
        name: "memos",
        dependencies: [
            "MemOSMCP",
            "MemOSCore",
            "MemOSPostgres",
            "MemOSRPC",
            "MemOSIngest",
            "MemOSRetrieval",
            "MemOSScheduler",
            "MemOSGateway",
            "MemOSProto",
            "MemOSServer",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ],
        swiftSettings: swiftSettings
    ),

    // Benchmarks that print figures (docs/benchmarks.md).
    .executableTarget(
        name: "memos-bench",
        dependencies: [
            "MemOSCore",
            "MemOSEmbedding",
            "MemOSPostgres",
            "MemOSProto",
            "MemOSRPC",
            "MemOSRetrieval",
            "MemOSScheduler",
            "MemOSServer",
            "MemOSGateway",
            "MemOSDocuments",
            "MemOSDocumentFixtures",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),

    // What the PostgreSQL-backed test tiers share: a fresh database per test, the whole system started in the test's
    // process (services on in-process gRPC transports, or on loopback TCP), local fakes of the LLM APIs, a fault proxy.
    .target(
        name: "MemOSTestSupport",
        dependencies: stackDependencies + [.product(name: "GRPCInProcessTransport", package: "grpc-swift-2")],
        path: "Tests/MemOSTestSupport",
        swiftSettings: swiftSettings
    ),
]

// The test tiers against a real PostgreSQL: the stores (MemOSPostgresTests), the scheduler's jobs
// (MemOSSchedulerTests), the gRPC services over in-process transports (MemOSServiceTests), the gateway's routes over
// HTTP against in-process services (MemOSGatewayTests), and a small end-to-end tier of real processes and real
// sockets between them (MemOSEndToEndTests).
targets += [
    "MemOSPostgresTests", "MemOSSchedulerTests", "MemOSServiceTests", "MemOSGatewayTests", "MemOSEndToEndTests",
]
.map { name in
    .testTarget(
        name: name,
        dependencies: ["MemOSTestSupport"] + stackDependencies,
        swiftSettings: swiftSettings
    )
}

let package = Package(
    name: "memos-swift",
    products: products,
    dependencies: dependencies,
    targets: targets
)
