namespace Lifecycle.Pipeline;

/// <summary>A user who can own MQLs: active dashboard users; <see cref="IsSales"/> for the sales role.</summary>
public sealed record Assignee(long Id, bool IsSales);

/// <summary>Who owns a new MQL, and by which rule.</summary>
public sealed record AssignmentDecision(long? OwnerId, string Rule);

/// <summary>
/// The sales queue's assignment rules, in order: the account's owner; else the owner of the contact's country
/// territory; else the next sales user in rotation (ids ascending, after the one assigned last by rotation).
/// Owners must be active users; rotation only picks sales users. Pure.
/// </summary>
public static class Assignment
{
    public const string AccountOwner = "account_owner";
    public const string Territory = "territory";
    public const string RoundRobin = "round_robin";
    public const string Unassigned = "unassigned";

    public static AssignmentDecision Choose(
        long? accountOwnerId, string? country, IReadOnlyDictionary<string, long> territories,
        IReadOnlyCollection<Assignee> activeUsers, long? lastRoundRobinId)
    {
        var active = activeUsers.Select(u => u.Id).ToHashSet();
        if (accountOwnerId is { } owner && active.Contains(owner)) return new(owner, AccountOwner);
        if (country is not null && territories.TryGetValue(country.Trim().ToUpperInvariant(), out var territoryOwner) && active.Contains(territoryOwner))
            return new(territoryOwner, Territory);
        var rotation = activeUsers.Where(u => u.IsSales).Select(u => u.Id).Order().ToList();
        if (rotation.Count == 0) return new(null, Unassigned);
        var next = rotation.FirstOrDefault(id => id > (lastRoundRobinId ?? long.MinValue), rotation[0]);
        return new(next, RoundRobin);
    }
}
