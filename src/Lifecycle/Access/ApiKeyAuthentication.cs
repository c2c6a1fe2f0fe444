using System.Security.Claims;
using System.Text.Encodings.Web;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lifecycle.Access;

/// <summary>
/// REST API authentication: a secret key as <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key</c>.
/// A missing or unknown key is a 401 problem, never a 500.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, Database database)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers["X-Api-Key"].FirstOrDefault();
        var authorization = Request.Headers.Authorization.FirstOrDefault();
        if (key is null && authorization?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true)
            key = authorization["Bearer ".Length..].Trim();
        if (string.IsNullOrEmpty(key)) return AuthenticateResult.NoResult();

        await using var db = database.Open();
        var found = await ApiKeys.FindAsync(db, key, ApiKeyKind.Secret, Context.RequestAborted);
        if (found is null) return AuthenticateResult.Fail("unknown or revoked API key");
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, found.Name), new Claim("key_id", found.Id.ToString())], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(
            title: "Unauthorized",
            detail: "Send a secret API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'. Create one with `lifecycle keys create --kind secret --name <name>`.",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }
}
