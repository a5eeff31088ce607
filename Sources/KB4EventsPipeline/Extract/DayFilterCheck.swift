import KB4EventsCore

/// The rules about the API's day filter: which offset a run uses, whether an API day's answers lie within the
/// day it asked for, and what they fit when they do not.
enum DayFilterCheck {
    /// The offset a run uses: the one asked for, checked against the lake's recorded one (a lake with days and
    /// none recorded was exported at +00:00); none asked for: the lake's, or +00:00; nil when `auto` must decide
    /// from the answers. A change is refused like a format change, unless `force` re-exports every day.
    static func resolve(
        _ setting: DayFilterSetting?, recorded: DayFilterOffset?, lakeHasDays: Bool, force: Bool, lake: String
    ) throws -> DayFilterOffset? {
        let lakeOffset = recorded ?? (lakeHasDays ? .utc : nil)
        switch setting {
        case nil:
            return lakeOffset ?? .utc
        case .auto?:
            return lakeOffset
        case .fixed(let offset)?:
            if let lakeOffset, lakeOffset != offset, !force {
                throw PipelineError(
                    stage: .config, category: .configuration, code: "day_filter_mismatch",
                    message:
                        "the lake at \(lake) was exported with the API's day filter at UTC\(lakeOffset); refusing UTC\(offset) (set source.day_filter_offset: \"\(lakeOffset)\" or auto, or leave it out, use another --out, or --force to re-export every day at UTC\(offset))"
                )
            }
            return offset
        }
    }

    /// Throws a data error when the answers for `occurred_date=apiDay` do not all lie within the day `offset`
    /// gives it, saying which offsets they fit, with the first and last instants as evidence.
    static func check(_ arrivals: ArrivalCount, apiDay: Day, offset: DayFilterOffset, day: Day) throws {
        guard let first = arrivals.first, let last = arrivals.last else { return }
        let window = offset.range(ofAPIDay: apiDay)
        guard !window.contains(first.millis) || !window.contains(last.millis) else { return }
        let what = offset == .utc ? "the UTC day" : "the day at UTC\(offset)"
        var message =
            "the API's answers for occurred_date=\(apiDay) run from \(first.text) to \(last.text), outside \(what) (\(isoSeconds(Double(window.lowerBound) / 1000)) to \(isoSeconds(Double(window.upperBound) / 1000)))"
        if let fits = fitting(arrivals, apiDay: apiDay), let likely = decided(fits) {
            let range = fits.count > 1 ? " (offsets from \(fits.first!) to \(fits.last!) fit)" : ""
            message +=
                ": they fit the account's local day at UTC\(likely)\(range), so the API's day filter is not \(what). Set source.day_filter_offset: \"\(likely)\" in the pipeline file (or --day-filter-offset \(likely); auto finds it from the first days with events): partitions stay UTC days, each built from the two API days that overlap it"
        } else if let fits = fitting(arrivals, apiDay: apiDay), !fits.isEmpty {
            message +=
                ": they fit the account's local day at any offset from UTC\(fits.first!) to UTC\(fits.last!) (too few events on this day to tell which), so the API's day filter is not \(what). Set source.day_filter_offset to the account's offset (its time zone in the KnowBe4 console)\(offset == .utc ? ", or to auto to let the first days with events decide" : ""): partitions stay UTC days"
        } else {
            message += ", and they fit no fixed offset from -12:00 to +14:00"
        }
        if offset != .utc {
            message += " (this run uses UTC\(offset), the lake's or the one asked for: to change a lake's offset, re-export it with --force --day-filter-offset OFFSET)"
        }
        throw PipelineError(stage: .extract, category: .data, code: "day_filter_offset", message: message, day: day)
    }

    /// The offsets the answers for `apiDay` fit; nil when no event arrived.
    static func fitting(_ arrivals: ArrivalCount, apiDay: Day) -> [DayFilterOffset]? {
        guard let first = arrivals.first, let last = arrivals.last else { return nil }
        return DayFilterOffset.fitting(first: first.millis, last: last.millis, apiDay: apiDay)
    }

    /// The offset the candidates settle on, or nil while the events leave more than an hour open: the only one,
    /// else the only whole hour among them (time zones sit on whole hours but for a few), else the only half hour.
    /// The candidates always hold the API's real offset, so a pick within an hour never has the wrong sign (no
    /// time zone sits within an hour of UTC but on a whole hour); a wider set is never guessed from.
    static func decided(_ candidates: [DayFilterOffset]) -> DayFilterOffset? {
        if candidates.count == 1 { return candidates[0] }
        guard let first = candidates.first, let last = candidates.last, last.minutes - first.minutes <= 60 else {
            return nil
        }
        for step in [60, 30] {
            let on = candidates.filter { $0.minutes % step == 0 }
            if on.count == 1 { return on[0] }
            if on.count > 1 { return nil }
        }
        return nil
    }
}
