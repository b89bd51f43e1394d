using System.Management.Automation;
using System.Management.Automation.Host;
using AgentGateway.Engine.Authorization;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Completes a sign-in (authorization code with PKCE) for the engine: the caller's -AuthorizationHandler, run on the
/// pipeline thread with the authorization URL and the request (RedirectUri, Issuer, Endpoint), returning the URL the
/// authorization server redirected to; without one, in an interactive host, the engine's <see cref="BrowserSignIn"/>:
/// the browser and the loopback listener, or the URL shown and the redirected URL read back without echo
/// (<see cref="HostSignInPrompt"/>). A host that cannot prompt gets none: the call fails at once, saying why. Ctrl+C
/// ends the sign-in (the engine's sign-in belongs to no caller, so the command's cancellation is linked here). What
/// comes back is never written anywhere (it holds the code).
/// </summary>
internal sealed class SignInInteraction : IAuthorizationInteraction
{
    private readonly AgwCmdlet _cmdlet;
    private readonly ScriptBlock? _handler;
    private readonly IAuthorizationInteraction? _browser;
    private readonly string? _whyNot;

    private SignInInteraction(AgwCmdlet cmdlet, ScriptBlock? handler, IAuthorizationInteraction? browser, string? whyNot)
    {
        _cmdlet = cmdlet;
        _handler = handler;
        _browser = browser;
        _whyNot = whyNot;
    }

    /// <summary>An interaction for <paramref name="cmdlet"/>: always one, so that a call without a way to sign in fails at once, saying how.</summary>
    public static SignInInteraction For(AgwCmdlet cmdlet, ScriptBlock? handler) => For(cmdlet, handler, null);

    /// <summary>As <see cref="For(AgwCmdlet, ScriptBlock?)"/>, with the browser to open (tests: a browser that plays the person).</summary>
    internal static SignInInteraction For(AgwCmdlet cmdlet, ScriptBlock? handler, IBrowserLauncher? browser)
    {
        ArgumentNullException.ThrowIfNull(cmdlet);
        if (handler is not null)
        {
            return new SignInInteraction(cmdlet, handler, null, null);
        }

        var whyNot = WhyHostCannotPrompt(cmdlet.Host, Environment.GetCommandLineArgs());
        if (whyNot is not null)
        {
            return new SignInInteraction(cmdlet, null, null, whyNot);
        }

        browser ??= cmdlet.Host.Name == "ServerRemoteHost" ? new NoBrowser("this is a remote session") : new SystemBrowser();
        return new SignInInteraction(cmdlet, null, new BrowserSignIn(browser, new HostSignInPrompt(cmdlet)), null);
    }

    public bool CanSignIn => _handler is not null || _browser is not null;

    public string? WhyNot => CanSignIn ? null : $"no authorization handler was given to complete it from this command, and {_whyNot}";

    public bool UsesLoopbackListener => _handler is null && _browser is not null;

    public async Task<Uri?> AuthorizeAsync(OAuthSignInRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cmdlet.CancellationToken);
        return _handler is not null
            ? await _cmdlet.OnPipelineAsync(() => FromHandler(request), linked.Token).ConfigureAwait(false)
            : await _browser!.AuthorizeAsync(request, linked.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Why this host cannot have a person sign in (null: it can): no user interface, pwsh started with -NonInteractive,
    /// or a console whose input is redirected (CI).
    /// </summary>
    internal static string? WhyHostCannotPrompt(PSHost? host, IReadOnlyList<string> commandLine)
    {
        if (host?.UI is null || host.Name == "Default Host")
        {
            return "this host cannot prompt";
        }

        if (StartedNonInteractive(commandLine))
        {
            return "PowerShell runs non-interactively";
        }

        return host.Name == "ConsoleHost" && Console.IsInputRedirected ? "the console's input is redirected" : null;
    }

    /// <summary>Whether pwsh's command line has -NonInteractive (any prefix down to -noni, as pwsh reads it) before the command or file.</summary>
    internal static bool StartedNonInteractive(IReadOnlyList<string> commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        for (var i = 1; i < commandLine.Count; i++)
        {
            var arg = commandLine[i];
            if (arg.Length < 2 || (arg[0] != '-' && arg[0] != '/'))
            {
                continue;
            }

            var key = arg.TrimStart('-', '/').ToUpperInvariant();
            if (key.Length >= 4 && "NONINTERACTIVE".StartsWith(key, StringComparison.Ordinal))
            {
                return true;
            }

            // What follows the command or the file is theirs, not pwsh's.
            if (key.Length > 0 && (key is "E" or "EC" or "CWA" || "COMMANDWITHARGS".StartsWith(key, StringComparison.Ordinal) ||
                "FILE".StartsWith(key, StringComparison.Ordinal) || "ENCODEDCOMMAND".StartsWith(key, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Runs the -UserTokenProvider set with Set-AgwOAuthClient on the pipeline thread; what it returns is never written anywhere.</summary>
    public Task<string?> GetUserTokenAsync(object provider, OAuthUserTokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (provider is not ScriptBlock script)
        {
            return Task.FromResult<string?>(null);
        }

        return _cmdlet.OnPipelineAsync(
            () =>
            {
                _cmdlet.WriteVerbose($"User token needed for {request.Issuer} (enterprise-managed authorization of {request.Endpoint.GetLeftPart(UriPartial.Path)}): running the -UserTokenProvider set for it.");
                return AgwCmdlet.ResolveUserJwt(null, script);
            },
            cancellationToken);
    }

    private Uri? FromHandler(OAuthSignInRequest request)
    {
        _cmdlet.WriteVerbose($"Sign-in needed at {request.Issuer} for {request.Endpoint.GetLeftPart(UriPartial.Path)}: running -AuthorizationHandler.");
        var info = new PSObject();
        info.Properties.Add(new PSNoteProperty("AuthorizationUrl", request.AuthorizationUrl));
        info.Properties.Add(new PSNoteProperty("RedirectUri", request.RedirectUri));
        info.Properties.Add(new PSNoteProperty("Issuer", request.Issuer));
        info.Properties.Add(new PSNoteProperty("Endpoint", request.Endpoint));
        var output = _handler!.Invoke(request.AuthorizationUrl, info);
        var last = output.LastOrDefault(o => o?.BaseObject is not null)?.BaseObject;
        return last switch
        {
            null => null,
            Uri uri when uri.IsAbsoluteUri => uri,
            string text when Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed) => parsed,
            _ => throw new ArgumentException("-AuthorizationHandler returned something that is not the absolute URL the browser was redirected to."),
        };
    }

    /// <summary>No browser here (a remote session: it would open on the server).</summary>
    private sealed class NoBrowser(string why) : IBrowserLauncher
    {
        public Task<string?> OpenAsync(Uri url, CancellationToken cancellationToken) => Task.FromResult<string?>(why);
    }
}

/// <summary>
/// The host side of a browser sign-in, on the pipeline thread: messages through the host's UI (made fit for a terminal),
/// the redirected URL read with <see cref="PSHostUserInterface.ReadLineAsSecureString"/> (not echoed, not in a transcript).
/// </summary>
internal sealed class HostSignInPrompt(AgwCmdlet cmdlet) : ISignInPrompt
{
    private const int MessageLength = 4000;

    public Task TellAsync(string message, CancellationToken cancellationToken) =>
        cmdlet.OnPipelineAsync(
            () =>
            {
                cmdlet.Host.UI.WriteLine(HostText.Lines(message, MessageLength));
                return true;
            },
            cancellationToken);

    public Task<string?> ReadRedirectedUrlAsync(string message, CancellationToken cancellationToken) =>
        cmdlet.OnPipelineAsync(
            () =>
            {
                var ui = cmdlet.Host.UI;
                ui.WriteLine(HostText.Lines(message, MessageLength));
                ui.Write("Redirected URL: ");
                try
                {
                    return SecureStringTransformationAttribute.Reveal(ui.ReadLineAsSecureString());
                }
                catch (PipelineStoppedException e)
                {
                    throw new OperationCanceledException("The sign-in was stopped.", e);
                }
            },
            cancellationToken);
}
