using System.Management.Automation;
using AgentGateway.Engine.Authorization;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Completes a sign-in (authorization code with PKCE) for the engine: the caller's -AuthorizationHandler, run on the
/// pipeline thread with the authorization URL and the request (RedirectUri, Issuer, Endpoint), returning the URL the
/// authorization server redirected to. What it returns is never written anywhere (it holds the code).
/// </summary>
internal sealed class SignInInteraction(AgwCmdlet cmdlet, ScriptBlock? handler) : IAuthorizationInteraction
{
    /// <summary>An interaction for <paramref name="cmdlet"/>: always one, so that a call without a way to sign in fails at once, saying how.</summary>
    public static SignInInteraction For(AgwCmdlet cmdlet, ScriptBlock? handler) => new(cmdlet, handler);

    public bool CanSignIn => handler is not null;

    public string? WhyNot => handler is null ? "no authorization handler was given to complete it from this command" : null;

    public Task<Uri?> AuthorizeAsync(OAuthSignInRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return cmdlet.OnPipelineAsync(() => FromHandler(request), cancellationToken);
    }

    /// <summary>Runs the -UserTokenProvider set with Set-AgwOAuthClient on the pipeline thread; what it returns is never written anywhere.</summary>
    public Task<string?> GetUserTokenAsync(object provider, OAuthUserTokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (provider is not ScriptBlock script)
        {
            return Task.FromResult<string?>(null);
        }

        return cmdlet.OnPipelineAsync(
            () =>
            {
                cmdlet.WriteVerbose($"User token needed for {request.Issuer} (enterprise-managed authorization of {request.Endpoint.GetLeftPart(UriPartial.Path)}): running the -UserTokenProvider set for it.");
                return AgwCmdlet.ResolveUserJwt(null, script);
            },
            cancellationToken);
    }

    private Uri? FromHandler(OAuthSignInRequest request)
    {
        cmdlet.WriteVerbose($"Sign-in needed at {request.Issuer} for {request.Endpoint.GetLeftPart(UriPartial.Path)}: running -AuthorizationHandler.");
        var info = new PSObject();
        info.Properties.Add(new PSNoteProperty("AuthorizationUrl", request.AuthorizationUrl));
        info.Properties.Add(new PSNoteProperty("RedirectUri", request.RedirectUri));
        info.Properties.Add(new PSNoteProperty("Issuer", request.Issuer));
        info.Properties.Add(new PSNoteProperty("Endpoint", request.Endpoint));
        var output = handler!.Invoke(request.AuthorizationUrl, info);
        var last = output.LastOrDefault(o => o?.BaseObject is not null)?.BaseObject;
        return last switch
        {
            null => null,
            Uri uri when uri.IsAbsoluteUri => uri,
            string text when Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed) => parsed,
            _ => throw new ArgumentException("-AuthorizationHandler returned something that is not the absolute URL the browser was redirected to."),
        };
    }
}
