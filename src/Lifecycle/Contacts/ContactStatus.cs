namespace Lifecycle.Contacts;

/// <summary>The statuses of lifecycle.md §1. Stored and serialised by their snake_case names.</summary>
public enum ContactStatus
{
    Inquiry,
    Lead,
    Mql,
    Sal,
    Sql,
    Opportunity,
    Customer,
    Churned,
    Recycled,
    Disqualified,
}

public static class ContactStatusNames
{
    private static readonly Dictionary<string, ContactStatus> ByName =
        Enum.GetValues<ContactStatus>().ToDictionary(ToName, s => s, StringComparer.OrdinalIgnoreCase);

    public static string ToName(this ContactStatus status) => status.ToString().ToLowerInvariant();

    public static bool TryParse(string? name, out ContactStatus status) =>
        ByName.TryGetValue(name?.Trim() ?? "", out status);

    public static IReadOnlyCollection<string> All => ByName.Keys;
}
