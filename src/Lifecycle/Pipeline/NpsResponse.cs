namespace Lifecycle.Pipeline;

/// <summary>An NPS answer (0–10) with its verbatim comment; one per contact and instant, and one per contact and survey.</summary>
public sealed class NpsResponse
{
    public long Id { get; set; }
    public required string ContactId { get; set; }
    public int Score { get; set; }
    public string? Comment { get; set; }
    public DateTime RespondedAt { get; set; }
    /// <summary>The survey e-mail answered (its links carry it); null for an answer recorded through the API.</summary>
    public string? SurveyId { get; set; }
}
