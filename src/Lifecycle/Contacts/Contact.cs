namespace Lifecycle.Contacts;

/// <summary>A person. <see cref="Status"/> is the latest transition's target, kept here for fast queries.</summary>
public sealed class Contact
{
    public required string Id { get; set; }
    public string? Email { get; set; }
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Title { get; set; }
    public string? AccountId { get; set; }
    public string? Country { get; set; }
    public string? LeadSource { get; set; }
    public string? CampaignId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateOnly? Birthday { get; set; }
    /// <summary>A cache of the latest marketing_email consent fact (Capture/Consent.cs); change it by recording one.</summary>
    public bool Consent { get; set; }
    public ContactStatus? Status { get; set; }
    /// <summary>The dashboard user who owns the contact (set by the sales queue's assignment rules, or by hand).</summary>
    public long? OwnerId { get; set; }
    public Dictionary<string, string> Custom { get; set; } = [];
}
