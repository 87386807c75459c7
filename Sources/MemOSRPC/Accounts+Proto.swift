import Foundation
import MemOSCore
import MemOSProto
import SwiftProtobuf

// The account records as the accounts service's messages, both ways: the service answers with these messages and
// the gateway turns them back into the records its JSON is made of.

extension UserRole {
    public var proto: Memos_Accounts_V1_UserRole {
        switch self {
        case .admin: .admin
        case .user: .user
        }
    }
}

extension CubeRole {
    public var proto: Memos_Accounts_V1_CubeRole {
        switch self {
        case .reader: .reader
        case .writer: .writer
        case .owner: .owner
        }
    }

    /// The role a message names; nil for none (unspecified or unknown).
    public init?(_ proto: Memos_Accounts_V1_CubeRole) {
        switch proto {
        case .reader: self = .reader
        case .writer: self = .writer
        case .owner: self = .owner
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }
}

extension UserRecord {
    public var proto: Memos_Accounts_V1_User {
        .with {
            $0.id = self.id.lowercasedString
            $0.name = self.name
            $0.role = self.role.proto
            $0.disabled = self.disabled
            $0.createdAt = Google_Protobuf_Timestamp(date: self.createdAt)
        }
    }

    public init(_ proto: Memos_Accounts_V1_User) {
        self.init(
            id: UUID(uuidString: proto.id) ?? UUID(),
            name: proto.name,
            role: proto.role == .admin ? .admin : .user,
            disabled: proto.disabled,
            createdAt: proto.createdAt.date
        )
    }
}

extension APIKeyRecord {
    public var proto: Memos_Accounts_V1_APIKey {
        .with {
            $0.id = self.id.lowercasedString
            $0.userID = self.userID.lowercasedString
            $0.name = self.name
            $0.prefix = self.prefix
            $0.createdAt = Google_Protobuf_Timestamp(date: self.createdAt)
            if let lastUsedAt = self.lastUsedAt { $0.lastUsedAt = Google_Protobuf_Timestamp(date: lastUsedAt) }
            if let revokedAt = self.revokedAt { $0.revokedAt = Google_Protobuf_Timestamp(date: revokedAt) }
        }
    }

    public init(_ proto: Memos_Accounts_V1_APIKey) {
        self.init(
            id: UUID(uuidString: proto.id) ?? UUID(),
            userID: UUID(uuidString: proto.userID) ?? UUID(),
            name: proto.name,
            prefix: proto.prefix,
            createdAt: proto.createdAt.date,
            lastUsedAt: proto.hasLastUsedAt ? proto.lastUsedAt.date : nil,
            revokedAt: proto.hasRevokedAt ? proto.revokedAt.date : nil
        )
    }
}

extension CubeRecord {
    public var proto: Memos_Accounts_V1_Cube {
        .with {
            $0.cubeID = self.cubeID
            $0.name = self.name
            $0.ownerID = self.ownerID.lowercasedString
            $0.ownerName = self.ownerName
            $0.role = self.role?.proto ?? .unspecified
            $0.createdAt = Google_Protobuf_Timestamp(date: self.createdAt)
            $0.memoryTtlSeconds = Int64(self.memoryTTLSeconds ?? 0)
        }
    }

    public init(_ proto: Memos_Accounts_V1_Cube) {
        self.init(
            cubeID: proto.cubeID,
            name: proto.name,
            ownerID: UUID(uuidString: proto.ownerID) ?? UUID(),
            ownerName: proto.ownerName,
            role: CubeRole(proto.role),
            createdAt: proto.createdAt.date,
            memoryTTLSeconds: proto.memoryTtlSeconds == 0 ? nil : Int(proto.memoryTtlSeconds)
        )
    }
}

extension CubeMember {
    public var proto: Memos_Accounts_V1_Member {
        .with {
            $0.userID = self.userID.lowercasedString
            $0.userName = self.userName
            $0.role = self.role.proto
            $0.createdAt = Google_Protobuf_Timestamp(date: self.createdAt)
        }
    }

    public init(_ proto: Memos_Accounts_V1_Member) {
        self.init(
            userID: UUID(uuidString: proto.userID) ?? UUID(),
            userName: proto.userName,
            role: CubeRole(proto.role) ?? .reader,
            createdAt: proto.createdAt.date
        )
    }
}

extension Principal {
    /// The caller as ``Memos_Accounts_V1_AccountsService`` WhoAmI answers.
    public init(_ proto: Memos_Accounts_V1_WhoAmIResponse) {
        self.init(
            userID: UUID(uuidString: proto.user.id) ?? UUID(),
            userName: proto.user.name,
            role: proto.user.role == .admin ? .admin : .user,
            apiKeyID: UUID(uuidString: proto.apiKeyID) ?? UUID()
        )
    }
}

/// A new key as `POST /v1/keys` and `memos keys create` show it: the record's fields and, this once, `key`.
public struct NewAPIKey: Encodable, Sendable {
    public var record: APIKeyRecord
    public var key: String

    public init(_ created: Memos_Accounts_V1_CreateAPIKeyResponse) {
        self.record = APIKeyRecord(created.record)
        self.key = created.key
    }

    enum CodingKeys: String, CodingKey {
        case key
    }

    public func encode(to encoder: any Encoder) throws {
        try self.record.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.key, forKey: .key)
    }
}
