import Foundation
import MemOSCore
import MemOSPostgres
import Testing

@testable import MemOSTestSupport

/// Checking cubes against PostgreSQL in one query, several at once with the answers and errors one at a time gave.
@Suite("Roles in several cubes")
struct CubeRolesTests {
    @Test("several cubes are judged in order, as one at a time would: the first that fails names the error")
    func severalCubes() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            for roleCache in [Duration.zero, .seconds(5)] {
                let accounts = PostgresAccountStore(database: database, roleCacheTTL: roleCache)
                let suffix = roleCache == .zero ? "uncached" : "cached"
                let owner = try await accounts.createUser(name: "owner-\(suffix)", role: .user)
                let caller = try await accounts.createUser(name: "caller-\(suffix)", role: .user)
                let principal = Principal(userID: caller, userName: "caller", role: .user, apiKeyID: UUID())
                let (own, written, read, foreign, gone) = (
                    "own-\(suffix)", "w-\(suffix)", "r-\(suffix)", "f-\(suffix)", "x-\(suffix)"
                )
                try await accounts.createCube(id: own, name: own, owner: caller)
                for cube in [written, read, foreign, gone] {
                    try await accounts.createCube(id: cube, name: cube, owner: owner)
                }
                try await accounts.setMember(caller, role: .writer, inCube: written)
                try await accounts.setMember(caller, role: .reader, inCube: read)
                try await accounts.setMember(caller, role: .reader, inCube: gone)
                try await accounts.deleteCube(id: gone)

                let roles = try await accounts.roles(
                    of: caller,
                    inCubes: [own, written, read, foreign, gone, "nowhere", own]
                )
                #expect(roles.count == 4)
                #expect(roles[own] == .some(.owner))
                #expect(roles[written] == .some(.writer))
                #expect(roles[read] == .some(.reader))
                #expect(roles[foreign] == .some(nil))
                #expect(roles[gone] == nil)
                #expect(roles["nowhere"] == nil)

                /// The error `authorize` throws for `cubes`, nil when it allows them; asked twice, so that a cached
                /// role answers the second time.
                func outcome(_ cubes: [String], _ access: CubeAccess) async -> String? {
                    var messages: [String?] = []
                    for _ in 0..<2 {
                        do {
                            try await accounts.authorize(principal, cubes: cubes, for: access)
                            messages.append(nil)
                        } catch {
                            messages.append(
                                "\((error as? MemOSError)?.code ?? .internalError): \((error as? MemOSError)?.message ?? "")"
                            )
                        }
                    }
                    #expect(messages[0] == messages[1])
                    return messages[0]
                }
                #expect(await outcome([own, written, read], .read) == nil)
                #expect(await outcome([own, written], .write) == nil)
                #expect(
                    await outcome([own, read, written], .write)
                        == "permissionDenied: cube '\(read)': your role is reader; writing needs writer or owner"
                )
                #expect(
                    await outcome([own, foreign, "nowhere"], .read)
                        == "permissionDenied: cube '\(foreign)' is not shared with you"
                )
                #expect(await outcome([own, "nowhere", foreign], .read) == "notFound: cube 'nowhere' does not exist")
                #expect(await outcome([written, gone], .read) == "notFound: cube '\(gone)' does not exist")
                #expect(await outcome([foreign], .read) == "permissionDenied: cube '\(foreign)' is not shared with you")
                #expect(await outcome([gone], .read) == "notFound: cube '\(gone)' does not exist")
                // One cube's role alone (AccountStore's single lookup), from the same query.
                #expect(try await accounts.role(of: caller, inCube: written) == .writer)
                #expect(try await accounts.role(of: caller, inCube: foreign) == nil)
                await #expect(throws: MemOSError.self) { try await accounts.role(of: caller, inCube: gone) }
            }
        }
    }
}
