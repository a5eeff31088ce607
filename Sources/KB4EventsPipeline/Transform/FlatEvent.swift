import KB4EventsAPI
package import KB4EventsCore

/// The flat columns of the CSV and Parquet formats, in file order.
package enum FlatColumn: Int, CaseIterable, Sendable {
    case id, accountID, occurredDate
    case eventTypeID, eventTypeName, eventTypeDescription
    case userID, userEmail, userArchived
    case externalID, source, description
    case riskLevel, riskFactor, riskDecayMode, riskExpireDate
    case metadata, extra

    /// The column's name in a file (`event_type__name`, `_extra`).
    package var name: String { Self.names[rawValue] }

    static let names: [String] = [
        "id", "account_id", "occurred_date",
        "event_type__id", "event_type__name", "event_type__description",
        "user__id", "user__email", "user__archived",
        "external_id", "source", "description",
        "risk__level", "risk__factor", "risk__decay_mode", "risk__expire_date",
        "metadata", "_extra",
    ]
}

/// One event seen as the flat columns (the one flattening, shared by ``CSVFormatter`` and ``EventRow``):
///
/// - `event_type`, `user` and `risk` are flattened with `__`; when one of them is null or absent its columns have
///   no value, and when it is not an object its columns have no value and it goes to `_extra`.
/// - Only the first occurrence of a key fills a column; a repeated key goes to `_extra`.
/// - `_extra` is a compact JSON object of every member not mapped to a column, in the event's order: unknown
///   top-level members as they are, unknown members of `event_type`/`user`/`risk` as an object under their parent's
///   key, and any repeated occurrence of a key. A writer may also reject a mapped value its column cannot hold
///   (Parquet: a value of another type); a rejected value goes to `_extra` the same way, so nothing is lost.
struct FlatEvent {
    let event: JSONObject
    /// Where the first occurrence of each mapped top-level key sits in the event (-1: absent).
    private var first = TopLevelSlots()

    init(_ event: JSONObject) {
        self.event = event
        for i in event.keys.indices {
            if let slot = TopLevel(key: event.keys[i]), first[slot] < 0 { first[slot] = i }
        }
    }

    private func topLevel(_ slot: TopLevel) -> JSONValue? {
        let i = first[slot]
        return i < 0 ? nil : event.values[i]
    }

    /// The JSON value that fills `column` (nil: absent, or its group absent, null or not an object). Not for `_extra`.
    func value(_ column: FlatColumn) -> JSONValue? {
        switch column {
        case .id: return topLevel(.id)
        case .accountID: return topLevel(.accountID)
        case .occurredDate: return topLevel(.occurredDate)
        case .externalID: return topLevel(.externalID)
        case .source: return topLevel(.source)
        case .description: return topLevel(.description)
        case .metadata: return topLevel(.metadata)
        case .extra: return nil
        case .eventTypeID: return topLevel(.eventType)?.objectValue?["id"]
        case .eventTypeName: return topLevel(.eventType)?.objectValue?["name"]
        case .eventTypeDescription: return topLevel(.eventType)?.objectValue?["description"]
        case .userID: return topLevel(.user)?.objectValue?["id"]
        case .userEmail: return topLevel(.user)?.objectValue?["email"]
        case .userArchived: return topLevel(.user)?.objectValue?["archived"]
        case .riskLevel: return topLevel(.risk)?.objectValue?["level"]
        case .riskFactor: return topLevel(.risk)?.objectValue?["factor"]
        case .riskDecayMode: return topLevel(.risk)?.objectValue?["decay_mode"]
        case .riskExpireDate: return topLevel(.risk)?.objectValue?["expire_date"]
        }
    }

    /// Writes the `_extra` object into `out`, or nothing when no member is left over. `rejected`: columns whose
    /// (non-null) value the writer did not take; their values go to `_extra` under their key.
    func writeExtra(rejected: ColumnSet = ColumnSet(), into out: inout [UInt8]) {
        var count = 0
        func member(_ key: String, _ write: (inout [UInt8]) -> Void) {
            out.append(count == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
            count += 1
            JSONValue.string(key).write(into: &out)
            out.append(UInt8(ascii: ":"))
            write(&out)
        }
        for i in event.keys.indices {
            let key = event.keys[i]
            let value = event.values[i]
            guard let slot = TopLevel(key: key), first[slot] == i else {
                member(key) { value.write(into: &$0) }  // unknown, or a repeated key
                continue
            }
            guard let group = slot.group else {
                if let column = slot.column, rejected.contains(column) { member(key) { value.write(into: &$0) } }
                continue
            }
            switch value {
            case .null:
                continue
            case .object(let object):
                var unknown = JSONObject()
                for j in object.keys.indices {
                    let subkey = object.keys[j]
                    if let k = group.keys.firstIndex(of: subkey), object.index(of: subkey) == j,
                        !rejected.contains(group.columns[k])
                    {
                        continue
                    }
                    unknown.append(subkey, object.values[j])
                }
                if !unknown.isEmpty { member(key) { unknown.write(into: &$0) } }
            default:
                member(key) { value.write(into: &$0) }  // a group that is not an object
            }
        }
        if count > 0 { out.append(UInt8(ascii: "}")) }
    }
}

/// A set of columns, without a heap allocation.
struct ColumnSet: Equatable {
    private var bits: UInt32 = 0
    init() {}
    func contains(_ column: FlatColumn) -> Bool { bits & (1 << UInt32(column.rawValue)) != 0 }
    mutating func insert(_ column: FlatColumn) { bits |= 1 << UInt32(column.rawValue) }
    var isEmpty: Bool { bits == 0 }
}

// MARK: - Mapping

/// The top-level keys that fill columns.
private enum TopLevel: Int, CaseIterable {
    case id, accountID, occurredDate, eventType, user, externalID, source, description, risk, metadata

    init?(key: String) {
        switch key {
        case "id": self = .id
        case "account_id": self = .accountID
        case "occurred_date": self = .occurredDate
        case "event_type": self = .eventType
        case "user": self = .user
        case "external_id": self = .externalID
        case "source": self = .source
        case "description": self = .description
        case "risk": self = .risk
        case "metadata": self = .metadata
        default: return nil
        }
    }

    var group: Group? {
        switch self {
        case .eventType: .eventType
        case .user: .user
        case .risk: .risk
        default: nil
        }
    }

    /// The column of a top-level scalar (nil for a group).
    var column: FlatColumn? {
        switch self {
        case .id: .id
        case .accountID: .accountID
        case .occurredDate: .occurredDate
        case .externalID: .externalID
        case .source: .source
        case .description: .description
        case .metadata: .metadata
        case .eventType, .user, .risk: nil
        }
    }
}

/// The nested objects flattened with `__`, and their mapped keys in column order.
private enum Group {
    case eventType, user, risk

    var keys: [String] {
        switch self {
        case .eventType: Self.eventTypeKeys
        case .user: Self.userKeys
        case .risk: Self.riskKeys
        }
    }

    var columns: [FlatColumn] {
        switch self {
        case .eventType: Self.eventTypeColumns
        case .user: Self.userColumns
        case .risk: Self.riskColumns
        }
    }

    static let eventTypeColumns: [FlatColumn] = [.eventTypeID, .eventTypeName, .eventTypeDescription]
    static let userColumns: [FlatColumn] = [.userID, .userEmail, .userArchived]
    static let riskColumns: [FlatColumn] = [.riskLevel, .riskFactor, .riskDecayMode, .riskExpireDate]

    static let eventTypeKeys = ["id", "name", "description"]
    static let userKeys = ["id", "email", "archived"]
    static let riskKeys = ["level", "factor", "decay_mode", "expire_date"]
}

/// The index of the first occurrence of each top-level key, without a heap allocation.
private struct TopLevelSlots {
    private var storage: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1, -1, -1, -1, -1, -1)

    subscript(slot: TopLevel) -> Int {
        get {
            withUnsafeBytes(of: storage) {
                $0.load(fromByteOffset: slot.rawValue * MemoryLayout<Int>.stride, as: Int.self)
            }
        }
        set {
            withUnsafeMutableBytes(of: &storage) {
                $0.storeBytes(of: newValue, toByteOffset: slot.rawValue * MemoryLayout<Int>.stride, as: Int.self)
            }
        }
    }
}
