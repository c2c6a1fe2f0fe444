namespace Lifecycle.Contacts;

public enum AccountStatus { Prospect, Opportunity, Customer, Churned }

/// <summary>A company. Its status is derived from its deals and subscriptions (see AccountStatusRule).</summary>
public sealed class Account
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public string? Domain { get; set; }
    public string? Industry { get; set; }
    public int? Employees { get; set; }
    public string? Country { get; set; }
    /// <summary>The owner as the dataset or CRM names it (the interchange `owner` column), kept as given.</summary>
    public string? Owner { get; set; }
    /// <summary>The dashboard user who owns the account; the sales queue gives its MQLs to this user first.</summary>
    public long? OwnerId { get; set; }
    public AccountStatus Status { get; set; }
    public Dictionary<string, string> Custom { get; set; } = [];
}
