namespace Lifecycle.Contacts;

/// <summary>The verdict on a requested status change: allowed under a named rule, or refused with a reason.</summary>
public sealed record StatusDecision(bool Allowed, string Rule, string? Refusal)
{
    public static StatusDecision Allow(string rule) => new(true, rule, null);
    public static StatusDecision Refuse(string reason) => new(false, "", reason);
}

/// <summary>
/// Which status changes lifecycle.md §1 allows, and the name of the rule each one follows. Pure: the caller
/// records the transition. Imported history does not pass through here (it is kept as it was).
///
/// Decisions where the spec is silent, taken as a marketing-ops team would expect:
/// - forward jumps along inquiry → … → customer are allowed (a demo request makes an inquiry an MQL);
/// - marketing may disqualify before sales sees a contact (spam, competitor), so every open status can
///   move to disqualified, always with a reason;
/// - sales may recycle an SQL that stalls, as they may an MQL or SAL;
/// - a disqualified contact is re-opened by hand into inquiry or lead.
/// </summary>
public static class StatusRules
{
    public static readonly ContactStatus[] Flow =
    [
        ContactStatus.Inquiry, ContactStatus.Lead, ContactStatus.Mql, ContactStatus.Sal,
        ContactStatus.Sql, ContactStatus.Opportunity, ContactStatus.Customer,
    ];

    /// <summary>Position in the main flow, or -1 for recycled, churned and disqualified.</summary>
    public static int FlowIndex(ContactStatus status) => Array.IndexOf(Flow, status);

    public static StatusDecision Decide(ContactStatus? from, ContactStatus to, string? reason)
    {
        if (from == to)
            return StatusDecision.Refuse($"the contact is already {to.ToName()}");
        var needsReason = to is ContactStatus.Recycled or ContactStatus.Disqualified;
        if (needsReason && string.IsNullOrWhiteSpace(reason))
            return StatusDecision.Refuse($"a change to {to.ToName()} needs a reason (e.g. 'not ready', 'bad fit', 'duplicate', 'competitor')");

        var rule = RuleFor(from, to);
        return rule is null
            ? StatusDecision.Refuse($"{Describe(from)} -> {to.ToName()} is not a lifecycle transition; from {Describe(from)} a contact can move to {string.Join(", ", AllowedTargets(from).Select(s => s.ToName()))}")
            : StatusDecision.Allow(rule);
    }

    public static IEnumerable<ContactStatus> AllowedTargets(ContactStatus? from) =>
        Enum.GetValues<ContactStatus>().Where(to => to != from && RuleFor(from, to) is not null);

    private static string? RuleFor(ContactStatus? from, ContactStatus to)
    {
        if (from is null) return "created";
        var (f, t) = (from.Value, to);
        int fi = FlowIndex(f), ti = FlowIndex(t);

        if (t == ContactStatus.Disqualified)
            return f is ContactStatus.Customer or ContactStatus.Churned ? null : "disqualified";
        if (t == ContactStatus.Recycled)
            return f switch
            {
                ContactStatus.Mql or ContactStatus.Sal or ContactStatus.Sql => "rejected_not_ready",
                ContactStatus.Opportunity => "deal_lost",
                _ => null,
            };
        if (f == ContactStatus.Recycled)
            return t switch
            {
                ContactStatus.Lead => "reopened",
                ContactStatus.Mql => "hand_raiser",
                _ => null,
            };
        if (f == ContactStatus.Disqualified)
            return t is ContactStatus.Inquiry or ContactStatus.Lead ? "reopened_by_hand" : null;
        if (f == ContactStatus.Customer && t == ContactStatus.Churned) return "churned";
        if (f == ContactStatus.Churned && t == ContactStatus.Customer) return "win_back";
        if (fi >= 0 && ti > fi)
            return (f, t) switch
            {
                (ContactStatus.Inquiry, ContactStatus.Lead) => "selected_for_marketing",
                (_, ContactStatus.Mql) => "qualified_by_marketing",
                (ContactStatus.Mql, ContactStatus.Sal) => "accepted_by_sales",
                (ContactStatus.Sal, ContactStatus.Sql) => "qualified_by_sales",
                (_, ContactStatus.Opportunity) => "deal_created",
                (_, ContactStatus.Customer) => "deal_won",
                _ => "advanced",
            };
        return null;
    }

    private static string Describe(ContactStatus? status) => status?.ToName() ?? "(new)";
}
