import Foundation
import GRPCCore
import MemOSProto
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

/// The accounts service over gRPC, as backend services and the gateway call it: who may do what is checked here.
@Suite("Accounts over gRPC")
struct AccountsServiceTests {
    /// The code an accounts call fails with; nil when it succeeds.
    static func code(_ call: () async throws -> some Any) async -> RPCError.Code? {
        do {
            _ = try await call()
            return nil
        } catch let error as RPCError {
            return error.code
        } catch {
            Issue.record("not an RPCError: \(error)")
            return nil
        }
    }

    @Test("cubes: the owner shares, sets the TTL and deletes; writers and readers read; a stranger is refused")
    func cubeRoles() async throws {
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                let accounts = clients.accounts
                let (owner, writer, admin) = (
                    TestStack.metadata(stack.alice.key), TestStack.metadata(stack.bob.key),
                    TestStack.metadata(stack.adminKey)
                )
                let cube = stack.alice.cubeID
                // An admin makes the reader and the stranger, each with a key.
                var keys: [String: Metadata] = [:]
                for name in ["carol", "dave"] {
                    let user = try await accounts.createUser(.with { $0.name = name }, metadata: admin)
                    #expect(user.role == .user)
                    let key = try await accounts.createAPIKey(.with { $0.userID = user.id }, metadata: admin)
                    #expect(key.key.hasPrefix("mk_") && key.record.userID == user.id)
                    keys[name] = TestStack.metadata(key.key)
                }
                let (reader, stranger) = (keys["carol"]!, keys["dave"]!)

                var members = try await accounts.setMember(
                    .with {
                        $0.cubeID = cube
                        $0.userName = "bob"
                        $0.role = .writer
                    },
                    metadata: owner
                )
                members = try await accounts.setMember(
                    .with {
                        $0.cubeID = cube
                        $0.userName = "carol"
                        $0.role = .reader
                    },
                    metadata: owner
                )
                #expect(members.members.map(\.userName) == ["alice", "bob", "carol"])
                #expect(members.members.map(\.role) == [.owner, .writer, .reader])

                // Every member reads the cube with their own role; the stranger and a missing cube are refused.
                for (metadata, role) in [(owner, .owner), (writer, .writer), (reader, .reader)]
                    as [(Metadata, Memos_Accounts_V1_CubeRole)]
                {
                    #expect(try await accounts.getCube(.with { $0.cubeID = cube }, metadata: metadata).role == role)
                    #expect(
                        try await accounts.listMembers(.with { $0.cubeID = cube }, metadata: metadata).members.count
                            == 3
                    )
                    #expect(
                        try await accounts.listCubes(.init(), metadata: metadata).cubes.map(\.cubeID).contains(cube)
                    )
                }
                #expect(
                    await Self.code { try await accounts.getCube(.with { $0.cubeID = cube }, metadata: stranger) }
                        == .permissionDenied
                )
                #expect(
                    await Self.code { try await accounts.listMembers(.with { $0.cubeID = cube }, metadata: stranger) }
                        == .permissionDenied
                )
                #expect(
                    await Self.code {
                        try await accounts.getCube(.with { $0.cubeID = "no-such-cube" }, metadata: owner)
                    } == .notFound
                )

                // CheckAccess: read for every member, write for owner and writer only.
                func access(_ metadata: Metadata, write: Bool) async -> RPCError.Code? {
                    await Self.code {
                        try await accounts.checkAccess(
                            .with {
                                $0.cubeIds = [cube]
                                $0.write = write
                            },
                            metadata: metadata
                        )
                    }
                }
                #expect(await access(owner, write: true) == nil)
                #expect(await access(writer, write: true) == nil)
                #expect(await access(reader, write: false) == nil)
                #expect(await access(reader, write: true) == .permissionDenied)
                #expect(await access(stranger, write: false) == .permissionDenied)

                // Only the owner shares, sets the time-to-live and deletes.
                for metadata in [writer, reader, stranger] {
                    #expect(
                        await Self.code {
                            try await accounts.setMember(
                                .with {
                                    $0.cubeID = cube
                                    $0.userName = "dave"
                                    $0.role = .reader
                                },
                                metadata: metadata
                            )
                        } == .permissionDenied
                    )
                    #expect(
                        await Self.code {
                            try await accounts.setCubeTTL(
                                .with {
                                    $0.cubeID = cube
                                    $0.memoryTtlSeconds = 3_600
                                },
                                metadata: metadata
                            )
                        } == .permissionDenied
                    )
                    #expect(
                        await Self.code {
                            try await accounts.deleteCube(.with { $0.cubeID = cube }, metadata: metadata)
                        } == .permissionDenied
                    )
                }
                let ttl = try await accounts.setCubeTTL(
                    .with {
                        $0.cubeID = cube
                        $0.memoryTtlSeconds = 3_600
                    },
                    metadata: owner
                )
                #expect(ttl.memoryTtlSeconds == 3_600)
                #expect(
                    await Self.code {
                        try await accounts.setCubeTTL(
                            .with {
                                $0.cubeID = cube
                                $0.memoryTtlSeconds = 5
                            },
                            metadata: owner
                        )
                    } == .invalidArgument
                )
                // The owner's own membership never changes; a member removed twice is not found the second time.
                let removeCarol = Memos_Accounts_V1_RemoveMemberRequest.with {
                    $0.cubeID = cube
                    $0.userName = "carol"
                }
                #expect(try await accounts.removeMember(removeCarol, metadata: owner).members.count == 2)
                #expect(await Self.code { try await accounts.removeMember(removeCarol, metadata: owner) } == .notFound)
                #expect(
                    await Self.code {
                        try await accounts.removeMember(
                            .with {
                                $0.cubeID = cube
                                $0.userName = "alice"
                            },
                            metadata: owner
                        )
                    } == .failedPrecondition
                )
                #expect(
                    await Self.code { try await accounts.getCube(.with { $0.cubeID = cube }, metadata: reader) }
                        == .permissionDenied
                )

                _ = try await accounts.deleteCube(.with { $0.cubeID = cube }, metadata: owner)
                #expect(
                    await Self.code { try await accounts.getCube(.with { $0.cubeID = cube }, metadata: owner) }
                        == .notFound
                )
                let created = try await accounts.createCube(.with { $0.cubeID = "dave-cube" }, metadata: stranger)
                #expect(created.role == .owner && created.name == "dave-cube" && created.ownerName == "dave")
                #expect(
                    await Self.code {
                        try await accounts.createCube(.with { $0.cubeID = "dave-cube" }, metadata: owner)
                    }
                        == .alreadyExists
                )
            }
        }
    }

    @Test("users are the admin's; keys are their owner's; other users' key ids do not leak; disabled users are refused")
    func usersAndKeys() async throws {
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                let accounts = clients.accounts
                let (alice, bob, admin) = (
                    TestStack.metadata(stack.alice.key), TestStack.metadata(stack.bob.key),
                    TestStack.metadata(stack.adminKey)
                )
                #expect(
                    await Self.code { try await accounts.createUser(.with { $0.name = "eve" }, metadata: bob) }
                        == .permissionDenied
                )
                #expect(await Self.code { try await accounts.listUsers(.init(), metadata: bob) } == .permissionDenied)
                #expect(
                    await Self.code { try await accounts.createUser(.with { $0.name = "no spaces" }, metadata: admin) }
                        == .invalidArgument
                )
                #expect(
                    await Self.code { try await accounts.createUser(.with { $0.name = "bob" }, metadata: admin) }
                        == .alreadyExists
                )
                let users = try await accounts.listUsers(.init(), metadata: admin).users
                #expect(Set(users.map(\.name)).isSuperset(of: ["admin", "alice", "bob"]))
                let aliceID = try #require(users.first { $0.name == "alice" }).id

                // Bob's own keys: made, listed, used, revoked.
                let made = try await accounts.createAPIKey(.with { $0.name = "laptop" }, metadata: bob)
                let who = try await accounts.whoAmI(.init(), metadata: TestStack.metadata(made.key))
                #expect(who.user.name == "bob" && who.apiKeyID == made.record.id)
                #expect(
                    try await accounts.listAPIKeys(.init(), metadata: bob).keys.contains { $0.id == made.record.id }
                )
                // Another user's keys: refused, and a key id of theirs is not found rather than forbidden.
                #expect(
                    await Self.code { try await accounts.createAPIKey(.with { $0.userID = aliceID }, metadata: bob) }
                        == .permissionDenied
                )
                #expect(
                    await Self.code { try await accounts.listAPIKeys(.with { $0.userID = aliceID }, metadata: bob) }
                        == .permissionDenied
                )
                let aliceKeys = try await accounts.listAPIKeys(.init(), metadata: alice).keys
                #expect(
                    await Self.code {
                        try await accounts.revokeAPIKey(.with { $0.keyID = aliceKeys[0].id }, metadata: bob)
                    } == .notFound
                )
                let revoked = try await accounts.revokeAPIKey(.with { $0.keyID = made.record.id }, metadata: bob)
                #expect(revoked.hasRevokedAt)
                #expect(
                    await Self.code { try await accounts.whoAmI(.init(), metadata: TestStack.metadata(made.key)) }
                        == .unauthenticated
                )
                #expect(
                    await Self.code { try await accounts.whoAmI(.init(), metadata: TestStack.metadata("mk_unknown")) }
                        == .unauthenticated
                )
                #expect(await Self.code { try await accounts.whoAmI(.init(), metadata: [:]) } == .unauthenticated)

                // Disabling: the admin's alone, never oneself; the disabled user's keys are refused at once here.
                let adminID = try await accounts.whoAmI(.init(), metadata: admin).user.id
                #expect(
                    await Self.code {
                        try await accounts.setUserDisabled(
                            .with {
                                $0.userID = adminID
                                $0.disabled = true
                            },
                            metadata: admin
                        )
                    } == .failedPrecondition
                )
                let disabled = try await accounts.setUserDisabled(
                    .with {
                        $0.userID = aliceID
                        $0.disabled = true
                    },
                    metadata: admin
                )
                #expect(disabled.disabled)
                #expect(await Self.code { try await accounts.whoAmI(.init(), metadata: alice) } == .unauthenticated)

                // The queue's monitoring figures need no key.
                _ = try await clients.scheduler.getQueueMetrics(.init())
            }
        }
    }
}
