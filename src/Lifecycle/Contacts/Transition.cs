namespace Lifecycle.Contacts;

/// <summary>
/// One status change. Append-only: a correction is a new transition, so past reports keep their numbers.
/// Actor is <c>rule:&lt;name&gt;</c>, <c>user:&lt;id&gt;</c>, <c>import</c> or <c>api</c>.
/// </summary>
public sealed class Transition
{
    public long Id { get; set; }
    public required string ContactId { get; set; }
    public ContactStatus? FromStatus { get; set; }
    public ContactStatus ToStatus { get; set; }
    public DateTime At { get; set; }
    public string? Reason { get; set; }
    public required string Actor { get; set; }
    public string? CampaignId { get; set; }
}
