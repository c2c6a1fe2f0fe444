namespace Lifecycle.Pipeline;

/// <summary>An NPS answer (0–10) with its verbatim comment; one per contact and instant.</summary>
public sealed class NpsResponse
{
    public long Id { get; set; }
    public required string ContactId { get; set; }
    public int Score { get; set; }
    public string? Comment { get; set; }
    public DateTime RespondedAt { get; set; }
}
