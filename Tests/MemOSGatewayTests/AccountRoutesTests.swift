import Foundation
import HTTPTypes
import MemOSGateway
import Testing

@testable import MemOSTestSupport

@Suite("Account routes: users, API keys, cubes and sharing")
struct AccountRoutesTests {
    @Test("every /v1 and /product route refuses a missing key and a revoked key with 401")
    func unauthenticated() async throws {
        try await TestStack.run { stack in
            let made = try await stack.http(.post, "/v1/keys", key: stack.alice.key, body: #"{"name": "short-lived"}"#)
            #expect(made.status == .created)
            let revokedKey = try #require(made.json["key"] as? String)
            let keyID = try #require(made.json["id"] as? String)
            #expect(try await stack.http(.get, "/v1/cubes", key: revokedKey).status == .ok)
            let revoked = try await stack.http(.post, "/v1/keys/\(keyID)/revoke", key: stack.alice.key)
            #expect(revoked.status == .ok)
            #expect(revoked.json["revoked_at"] is String)

            let routes = try await OpenAPITests.documentedRoutes(stack)
            let protected = routes.filter { $0.path.hasPrefix("/v1/") || $0.path.hasPrefix("/product/") }
            #expect(protected.count >= 30)
            for route in protected {
                let path = route.path
                    .replacingOccurrences(of: "{cube_id}", with: stack.alice.cubeID)
                    .replacingOccurrences(of: "{user_name}", with: "bob")
                    .replacingOccurrences(of: "{user_id}", with: stack.bob.userID.uuidString)
                    .replacingOccurrences(of: "{key_id}", with: keyID)
                    .replacingOccurrences(of: "{memory_id}", with: UUID().uuidString)
                    .replacingOccurrences(of: "{job_id}", with: UUID().uuidString)
                    .replacingOccurrences(of: "{document_id}", with: UUID().uuidString)
                let method = HTTPRequest.Method(route.method.uppercased())!
                for key in [nil, revokedKey] {
                    let result = try await stack.http(method, path, key: key, body: "{}")
                    #expect(
                        result.status == .unauthorized,
                        "\(route.method) \(path) with \(key == nil ? "no" : "a revoked") key"
                    )
                    if path.hasPrefix("/product/") {
                        #expect(result.json["code"] as? Int == 401)
                    } else {
                        #expect((result.json["error"] as? [String: Any])?["code"] as? String == "unauthenticated")
                    }
                }
            }
        }
    }

    @Test("admin routes refuse a user's key with 403; an admin manages users and their keys")
    func users() async throws {
        try await TestStack.run { stack in
            let bobID = stack.bob.userID.uuidString
            for (method, path, body) in [
                (HTTPRequest.Method.post, "/v1/users", #"{"name": "mallory"}"#),
                (.get, "/v1/users", nil),
                (.post, "/v1/users/\(bobID)/disable", nil),
                (.post, "/v1/users/\(bobID)/enable", nil),
                (.post, "/v1/keys", #"{"user_id": "\#(bobID)"}"#),
                (.get, "/v1/keys?user_id=\(bobID)", nil),
            ] {
                let result = try await stack.http(method, path, key: stack.alice.key, body: body)
                #expect(result.status == .forbidden, "\(method) \(path)")
            }

            let created = try await stack.http(.post, "/v1/users", key: stack.adminKey, body: #"{"name": "carol"}"#)
            #expect(created.status == .created)
            #expect(created.json["role"] as? String == "user")
            let carolID = try #require(created.json["id"] as? String)
            #expect(
                try await stack.http(.post, "/v1/users", key: stack.adminKey, body: #"{"name": "carol"}"#).status
                    == .conflict
            )
            let badName = try await stack.http(
                .post,
                "/v1/users",
                key: stack.adminKey,
                body: #"{"name": "carol smith"}"#
            )
            #expect(badName.status == .badRequest)
            #expect(badName.errorMessage.contains("name"))
            let unknownField = try await stack.http(
                .post,
                "/v1/users",
                key: stack.adminKey,
                body: #"{"name": "dave", "admin": true}"#
            )
            #expect(unknownField.status == .badRequest)

            let listed = try await stack.http(.get, "/v1/users", key: stack.adminKey)
            let names = (listed.json["users"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names == ["admin", "alice", "bob", "carol"])

            // The admin makes carol's key; carol works with it.
            let key = try await stack.http(
                .post,
                "/v1/keys",
                key: stack.adminKey,
                body: #"{"user_id": "\#(carolID)", "name": "laptop"}"#
            )
            #expect(key.status == .created)
            let carolKey = try #require(key.json["key"] as? String)
            #expect(carolKey.hasPrefix(try #require(key.json["prefix"] as? String)))
            #expect(
                try await stack.http(.post, "/v1/cubes", key: carolKey, body: #"{"cube_id": "carol-notes"}"#).status
                    == .created
            )

            // Disabled: every key of carol's is refused at once; enabled again, it works.
            let disabled = try await stack.http(.post, "/v1/users/\(carolID)/disable", key: stack.adminKey)
            #expect(disabled.json["disabled"] as? Bool == true)
            #expect(try await stack.http(.get, "/v1/cubes", key: carolKey).status == .unauthorized)
            let search = try await stack.http(
                .post,
                "/v1/search",
                key: carolKey,
                body: #"{"cube_ids": ["carol-notes"], "query": "x"}"#
            )
            #expect(search.status == .unauthorized)
            #expect(try await stack.http(.post, "/v1/users/\(carolID)/enable", key: stack.adminKey).status == .ok)
            #expect(try await stack.http(.get, "/v1/cubes", key: carolKey).status == .ok)

            // An admin cannot lock themselves out.
            let me = try #require(
                (listed.json["users"] as? [[String: Any]])?.first { $0["name"] as? String == "admin" }?["id"] as? String
            )
            #expect(
                try await stack.http(.post, "/v1/users/\(me)/disable", key: stack.adminKey).status
                    == .preconditionFailed
            )
            #expect(try await stack.http(.post, "/v1/users/\(UUID())/disable", key: stack.adminKey).status == .notFound)
        }
    }

    @Test("keys: shown once, listed by prefix with last use, revocable by their owner only")
    func keys() async throws {
        try await TestStack.run { stack in
            let made = try await stack.http(.post, "/v1/keys", key: stack.alice.key, body: #"{"name": "ci"}"#)
            #expect(made.status == .created)
            let key = try #require(made.json["key"] as? String)
            let keyID = try #require(made.json["id"] as? String)
            #expect(try await stack.http(.get, "/v1/cubes/alice-cube", key: key).status == .ok)

            let listed = try await stack.http(.get, "/v1/keys", key: stack.alice.key)
            let keys = listed.json["keys"] as? [[String: Any]] ?? []
            #expect(keys.count == 2)
            #expect(!listed.body.contains(key))
            let record = try #require(keys.first { $0["id"] as? String == keyID })
            #expect(record["name"] as? String == "ci")
            #expect(key.hasPrefix(record["prefix"] as? String ?? "-"))
            #expect(record["last_used_at"] is String)
            #expect(record["revoked_at"] == nil)

            // Bob cannot see or revoke alice's key: it does not exist for him.
            #expect(try await stack.http(.post, "/v1/keys/\(keyID)/revoke", key: stack.bob.key).status == .notFound)
            #expect(try await stack.http(.get, "/v1/cubes/alice-cube", key: key).status == .ok)

            #expect(try await stack.http(.post, "/v1/keys/\(keyID)/revoke", key: stack.alice.key).status == .ok)
            #expect(try await stack.http(.get, "/v1/cubes/alice-cube", key: key).status == .unauthorized)
            let after = try await stack.http(.get, "/v1/keys", key: stack.alice.key)
            let revoked = (after.json["keys"] as? [[String: Any]] ?? []).first { $0["id"] as? String == keyID }
            #expect(revoked?["revoked_at"] is String)
            // The admin may revoke anyone's key, including the last one of a user.
            let bobKeys = try await stack.http(.get, "/v1/keys?user_id=\(stack.bob.userID)", key: stack.adminKey)
            let bobKeyID = try #require((bobKeys.json["keys"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await stack.http(.post, "/v1/keys/\(bobKeyID)/revoke", key: stack.adminKey).status == .ok)
            #expect(try await stack.http(.get, "/v1/cubes", key: stack.bob.key).status == .unauthorized)
        }
    }

    @Test("cubes: members read, writers write, only the owner shares and deletes; others get 403")
    func cubesAndSharing() async throws {
        try await TestStack.run { stack in
            let alice = stack.alice.key
            let bob = stack.bob.key
            let created = try await stack.http(
                .post,
                "/v1/cubes",
                key: alice,
                body: #"{"cube_id": "team", "name": "Team notes"}"#
            )
            #expect(created.status == .created)
            #expect(created.json["role"] as? String == "owner")
            #expect(created.json["owner_name"] as? String == "alice")
            #expect(
                try await stack.http(.post, "/v1/cubes", key: bob, body: #"{"cube_id": "team"}"#).status == .conflict
            )
            #expect(
                try await stack.http(.post, "/v1/cubes", key: bob, body: #"{"cube_id": "no spaces"}"#).status
                    == .badRequest
            )

            // Not shared yet: bob gets 403 on every cube route; an unknown cube is 404.
            for (method, path) in [
                (HTTPRequest.Method.get, "/v1/cubes/team"), (.get, "/v1/cubes/team/members"),
                (.delete, "/v1/cubes/team"),
                (.put, "/v1/cubes/team/members/bob"), (.delete, "/v1/cubes/team/members/alice"),
            ] {
                let result = try await stack.http(method, path, key: bob, body: #"{"role": "writer"}"#)
                #expect(result.status == .forbidden, "\(method) \(path)")
            }
            #expect(try await stack.http(.get, "/v1/cubes/nope", key: bob).status == .notFound)

            // Reader: reads, cannot write, cannot share.
            let shared = try await stack.http(
                .put,
                "/v1/cubes/team/members/bob",
                key: alice,
                body: #"{"role": "reader"}"#
            )
            #expect(shared.status == .ok)
            let members = (shared.json["members"] as? [[String: Any]] ?? []).map {
                "\($0["user_name"] ?? "")=\($0["role"] ?? "")"
            }
            #expect(members == ["alice=owner", "bob=reader"])
            #expect(try await stack.http(.get, "/v1/cubes/team", key: bob).json["role"] as? String == "reader")
            let bobCubes = try await stack.http(.get, "/v1/cubes", key: bob)
            #expect(
                (bobCubes.json["cubes"] as? [[String: Any]] ?? []).compactMap { $0["cube_id"] as? String } == [
                    "bob-cube", "team",
                ]
            )
            #expect(try await stack.http(.get, "/v1/cubes/team/memories", key: bob).status == .ok)
            let readerAdd = try await stack.http(
                .post,
                "/v1/memories",
                key: bob,
                body: #"{"cube_id": "team", "content": "x"}"#
            )
            #expect(readerAdd.status == .forbidden)

            // Writer: writes, still cannot share, unshare or delete.
            #expect(
                try await stack.http(.put, "/v1/cubes/team/members/bob", key: alice, body: #"{"role": "writer"}"#)
                    .status == .ok
            )
            let writerAdd = try await stack.http(
                .post,
                "/v1/memories",
                key: bob,
                body: #"{"cube_id": "team", "content": "the team meets on Fridays"}"#
            )
            #expect(writerAdd.status == .ok)
            let writerShare = try await stack.http(
                .put,
                "/v1/cubes/team/members/admin",
                key: bob,
                body: #"{"role": "reader"}"#
            )
            #expect(writerShare.status == .forbidden)
            #expect(writerShare.errorMessage.contains("owner"))
            #expect(try await stack.http(.delete, "/v1/cubes/team/members/bob", key: bob).status == .forbidden)
            #expect(try await stack.http(.delete, "/v1/cubes/team", key: bob).status == .forbidden)

            // Bad shares.
            #expect(
                try await stack.http(.put, "/v1/cubes/team/members/bob", key: alice, body: #"{"role": "owner"}"#).status
                    == .badRequest
            )
            #expect(
                try await stack.http(.put, "/v1/cubes/team/members/nobody", key: alice, body: #"{"role": "reader"}"#)
                    .status == .notFound
            )
            #expect(
                try await stack.http(.put, "/v1/cubes/team/members/alice", key: alice, body: #"{"role": "reader"}"#)
                    .status == .preconditionFailed
            )

            // Unshared: bob is out again.
            let unshared = try await stack.http(.delete, "/v1/cubes/team/members/bob", key: alice)
            #expect(unshared.status == .ok)
            #expect((unshared.json["members"] as? [[String: Any]])?.count == 1)
            #expect(try await stack.http(.delete, "/v1/cubes/team/members/bob", key: alice).status == .notFound)
            #expect(try await stack.http(.get, "/v1/cubes/team/memories", key: bob).status == .forbidden)

            // Deleted by its owner: gone for everyone at once, then erased by a purge job, which frees the id.
            #expect(try await stack.http(.delete, "/v1/cubes/team", key: alice).status == .noContent)
            #expect(try await stack.http(.get, "/v1/cubes/team", key: alice).status == .notFound)
            #expect(try await stack.http(.get, "/v1/cubes/team/memories", key: alice).status == .notFound)
            let aliceCubes = try await stack.http(.get, "/v1/cubes", key: alice)
            #expect(
                (aliceCubes.json["cubes"] as? [[String: Any]] ?? []).compactMap { $0["cube_id"] as? String } == [
                    "alice-cube"
                ]
            )
            for _ in 0..<200
            where try await TestDatabase.count(
                "jobs WHERE cube_id = 'team' AND kind = 'purge' AND status = 'completed'",
                in: stack.database
            ) == 0 {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await TestDatabase.count("memories WHERE cube_id = 'team'", in: stack.database) == 0)
            #expect(
                try await stack.http(.post, "/v1/cubes", key: alice, body: #"{"cube_id": "team"}"#).status.code < 300
            )
        }
    }

    @Test("the request id is taken from X-Request-Id or made, and returned")
    func requestID() async throws {
        try await TestStack.run { stack in
            let given = try await stack.http(
                .post,
                "/v1/search",
                key: stack.alice.key,
                body: #"{"cube_ids": ["alice-cube"], "query": "tea"}"#,
                headers: [.requestID: "trace-42"]
            )
            #expect(given.status == .ok)
            #expect(given.headers[.requestID] == "trace-42")
            // Errors and unknown routes carry one too.
            let failed = try await stack.http(
                .get,
                "/v1/cubes/bob-cube",
                key: stack.alice.key,
                headers: [.requestID: "trace-43"]
            )
            #expect(failed.status == .forbidden)
            #expect(failed.headers[.requestID] == "trace-43")
            let unknown = try await stack.http(.get, "/v1/nowhere", key: nil)
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.requestID]?.isEmpty == false)
            // A missing or unusable id is replaced by a new one.
            let made = try await stack.http(.get, "/healthz", key: nil)
            let tooLong = try await stack.http(
                .get,
                "/healthz",
                key: nil,
                headers: [.requestID: String(repeating: "x", count: 200)]
            )
            let ids = [made.headers[.requestID], tooLong.headers[.requestID]].compactMap { $0 }
            #expect(ids.count == 2 && ids[0] != ids[1] && ids.allSatisfy { $0.count == 36 })
        }
    }
}
