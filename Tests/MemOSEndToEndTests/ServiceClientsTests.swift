import Foundation
import GRPCCore
import MemOSCore
import MemOSPostgres
import MemOSProto
import MemOSRPC
import MemOSServer
import SwiftProtobuf
import Testing

@testable import MemOSGateway
@testable import MemOSTestSupport

/// The gateway's clients of the services: a call made while its service is down (starting or restarting) waits
/// for it and is answered once it is up, instead of failing at once; a health probe does not wait.
@Suite("The gateway's service clients wait for a service that is not up yet")
struct ServiceClientsTests {
    @Test("a call made while ingest is down is answered once it starts; the health probe meanwhile says it is down")
    func callWaitsForTheService() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let key = try await TestDatabase.aliceOwningACube(in: database)
            let port = try MemosBinary.freePort()
            let address = ServiceClients.Address(host: "127.0.0.1", port: port)
            let clients = try ServiceClients(ingest: address, retrieval: address, scheduler: address)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await clients.run() }
                // Sent while nothing listens on the port.
                async let added = clients.ingest.addMemories(
                    .with {
                        $0.cubeID = "alice-cube"
                        $0.items = [.with { $0.content = "written while ingest was starting" }]
                    },
                    metadata: ["authorization": "Bearer \(key)"]
                )
                #expect(await clients.unhealthyServices().contains("ingest"))

                let ingest = ServerFactory.ingest(
                    database: database,
                    embedder: FeatureHashingEmbedder(),
                    listener: .tcp(host: "127.0.0.1", port: port),
                    logger: TestDatabase.logger
                )
                group.addTask { try await ingest.run() }
                #expect(try await added.memoryIds.count == 1)

                for connection in clients.connections { connection.stop() }
                ingest.beginGracefulShutdown()
                try await group.waitForAll()
            }
            #expect(try await TestDatabase.count("memories WHERE cube_id = 'alice-cube'", in: database) == 1)
        }
    }
}
