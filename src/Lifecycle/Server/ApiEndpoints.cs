using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Reports;

namespace Lifecycle.Server;

/// <summary>The REST API under /api: one line per capability, each mapping its own endpoints.</summary>
internal static class ApiEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapAccountEndpoints();
        api.MapContactEndpoints();
        api.MapCampaignEndpoints();
        api.MapPipelineEndpoints();
        Capture.CaptureEndpoints.MapCaptureEndpoints(api);
        Email.EmailEndpoints.MapEmailEndpoints(api);
        Attribution.AttributionEndpoints.MapAttributionEndpoints(api);
        api.MapReportEndpoints();
        Scoring.ScoringEndpoints.MapScoringEndpoints(api);
        Segments.SegmentEndpoints.MapSegmentEndpoints(api);
        Programs.ProgramEndpoints.MapProgramEndpoints(api);
        Experiments.ExperimentEndpoints.MapExperimentEndpoints(api);
    }
}
