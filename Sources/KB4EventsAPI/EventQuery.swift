/// The filters, order and paging of `GET /events`; every field optional, sent only when set.
package struct EventQuery: Sendable, Equatable {
    /// Sort field accepted by the API.
    package enum OrderBy: String, Sendable, CaseIterable { case id, eventType = "event_type", occurredDate = "occurred_date" }
    /// Sort direction.
    package enum Direction: String, Sendable, CaseIterable { case asc, desc }

    package var eventType: String?
    package var targetUser: String?
    package var externalID: String?
    package var source: String?
    /// `YYYY-MM-DD`: events that occurred on that (UTC) day.
    package var occurredDate: String?
    package var riskLevel: Int?
    package var riskDecayMode: Int?
    package var riskExpireDate: String?
    package var orderBy: OrderBy?
    package var orderDirection: Direction?
    /// 1-based page.
    package var page: Int?
    /// Requested page size; the server may clamp it (read `PageMeta.limitValue`).
    package var perPage: Int?

    /// Creates an empty query.
    package init() {}

    /// The query for one whole day in ascending time order, the way the exporter pages.
    package static func day(_ day: String, perPage: Int = 100) -> EventQuery {
        var q = EventQuery()
        q.occurredDate = day
        q.orderBy = .occurredDate
        q.orderDirection = .asc
        q.perPage = perPage
        q.page = 1
        return q
    }

    /// The query parameters in a stable order. Zero values are sent (never dropped as "falsy").
    var parameters: [(name: String, value: String)] {
        var p: [(name: String, value: String)] = []
        if let eventType { p.append(("event_type", eventType)) }
        if let targetUser { p.append(("target_user", targetUser)) }
        if let externalID { p.append(("external_id", externalID)) }
        if let source { p.append(("source", source)) }
        if let occurredDate { p.append(("occurred_date", occurredDate)) }
        if let riskLevel { p.append(("risk_level", String(riskLevel))) }
        if let riskDecayMode { p.append(("risk_decay_mode", String(riskDecayMode))) }
        if let riskExpireDate { p.append(("risk_expire_date", riskExpireDate)) }
        if let orderBy { p.append(("order_by", orderBy.rawValue)) }
        if let orderDirection { p.append(("order_direction", orderDirection.rawValue)) }
        if let page { p.append(("page", String(page))) }
        if let perPage { p.append(("per_page", String(perPage))) }
        return p
    }

    package static func == (a: EventQuery, b: EventQuery) -> Bool {
        a.parameters.map { "\($0.name)=\($0.value)" } == b.parameters.map { "\($0.name)=\($0.value)" }
    }
}
