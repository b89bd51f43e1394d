using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using AgentGateway.Engine.Diagnostics;

namespace AgentGateway.Engine.Authorization;

/// <summary>Opens a URL in the person's browser.</summary>
internal interface IBrowserLauncher
{
    /// <summary>Opens <paramref name="url"/>; null when a browser was started, else why none could be (for the person).</summary>
    Task<string?> OpenAsync(Uri url, CancellationToken cancellationToken);
}

/// <summary>What the person sees and types during a browser sign-in (the cmdlet layer's host).</summary>
internal interface ISignInPrompt
{
    /// <summary>Tells the person something (never a secret).</summary>
    Task TellAsync(string message, CancellationToken cancellationToken);

    /// <summary>Shows <paramref name="message"/> and reads the redirected URL the person pastes, without echo; null or empty when nothing was entered.</summary>
    Task<string?> ReadRedirectedUrlAsync(string message, CancellationToken cancellationToken);
}

/// <summary>
/// A sign-in in an interactive host: the browser opened on the authorization URL and the loopback redirect listener
/// waited on (<see cref="OAuthSignInRequest.Listener"/>); where no browser can open (no display, an SSH or remote
/// session, the launch failed), the URL is shown and the redirected URL read back without echo (so too, after the browser
/// opened, when the redirect URI is not a loopback one to listen on). The wait is the caller's cancellation (the
/// sign-in bound, Ctrl+C).
/// </summary>
internal sealed class BrowserSignIn(IBrowserLauncher browser, ISignInPrompt prompt) : IAuthorizationInteraction
{
    public bool CanSignIn => true;

    public string? WhyNot => null;

    public bool UsesLoopbackListener => true;

    public async Task<Uri?> AuthorizeAsync(OAuthSignInRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var where = OAuthDiscovery.Where(request.Endpoint);
        var url = request.AuthorizationUrl.AbsoluteUri;
        var listener = request.Listener;
        var whyNot = await browser.OpenAsync(request.AuthorizationUrl, cancellationToken).ConfigureAwait(false);
        if (listener is not null && whyNot is null)
        {
            CallLog.Verbose($"Browser opened for the sign-in at {request.Issuer}; listening on {listener.RedirectUri}.");
            await prompt.TellAsync(
                $"Sign in at {request.Issuer} for the MCP server at '{where}' in the browser just opened; waiting for it to come back to {listener.RedirectUri} (Ctrl+C stops). If no browser opened, open this URL:{Environment.NewLine}{url}",
                cancellationToken).ConfigureAwait(false);
            return await listener.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var opening = whyNot is null
            ? $"Sign in at {request.Issuer} for the MCP server at '{where}' in the browser just opened; if none opened, open this URL:{Environment.NewLine}{url}{Environment.NewLine}"
            : $"Sign in at {request.Issuer} for the MCP server at '{where}' (no browser opened here: {whyNot}). Open this URL in a browser:{Environment.NewLine}{url}{Environment.NewLine}";
        var pasted = await prompt.ReadRedirectedUrlAsync(
            opening +
            $"When signed in, the browser goes to {request.RedirectUri.GetLeftPart(UriPartial.Path)} (the page may not load): copy that whole address from its address bar and paste it here (it is not shown).",
            cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(pasted))
        {
            // Nothing pasted: the listener may have had the redirect meanwhile (a browser on this machine after all).
            return listener is { Redirected.IsCompletedSuccessfully: true } ? await listener.Redirected.ConfigureAwait(false) : null;
        }

        return Uri.TryCreate(pasted.Trim(), UriKind.Absolute, out var redirected)
            ? redirected
            : throw new OAuthException(OAuthErrorKind.InvalidResponse, $"What was pasted for the sign-in at {request.Issuer} for the MCP server at '{where}' is not an absolute URL; it was not used.", request.Endpoint) { Issuer = request.Issuer };
    }
}

/// <summary>
/// The system's browser: <c>xdg-open</c> on Linux and the BSDs (where a display is set), <c>open</c> on macOS, the shell
/// on Windows; never in an SSH session (the browser would open on the other side, or not at all). Only http(s) URLs.
/// </summary>
internal sealed class SystemBrowser : IBrowserLauncher
{
    /// <summary>How long a launcher that fails (xdg-open with no browser) has to say so.</summary>
    private const int LaunchCheckMilliseconds = 2000;

    public async Task<string?> OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var whyNot = WhyNotHere(url, Environment.GetEnvironmentVariable);
        if (whyNot is not null)
        {
            return whyNot;
        }

        ProcessStartInfo start;
        if (OperatingSystem.IsWindows())
        {
            start = new ProcessStartInfo(url.AbsoluteUri) { UseShellExecute = true };
        }
        else
        {
            start = new ProcessStartInfo(OperatingSystem.IsMacOS() ? "open" : "xdg-open")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(url.AbsoluteUri);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null || OperatingSystem.IsWindows())
            {
                return process is null ? "the browser could not be started" : null;
            }

            // A launcher's chatter must not reach the terminal; a launcher that fails says so within a moment.
            process.OutputDataReceived += static (_, _) => { };
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var check = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            check.CancelAfter(LaunchCheckMilliseconds);
            try
            {
                await process.WaitForExitAsync(check.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null; // still running: the browser (or its launcher) is up
            }

            return process.ExitCode == 0 ? null : $"{start.FileName} failed (exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)})";
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            return $"the browser could not be started ({e.Message})";
        }
    }

    /// <summary>Why no browser can open here (null: one may): an SSH session, no display on Linux and the BSDs, a URL that is not http(s).</summary>
    internal static string? WhyNotHere(Uri url, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(environment);
        if (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
        {
            return "the URL is not http(s)";
        }

        if (!string.IsNullOrEmpty(environment("SSH_CONNECTION")) || !string.IsNullOrEmpty(environment("SSH_CLIENT")) || !string.IsNullOrEmpty(environment("SSH_TTY")))
        {
            return "this is an SSH session";
        }

        if (!OperatingSystem.IsWindows() && !OperatingSystem.IsMacOS() &&
            string.IsNullOrEmpty(environment("DISPLAY")) && string.IsNullOrEmpty(environment("WAYLAND_DISPLAY")))
        {
            return "no display (DISPLAY is not set)";
        }

        return null;
    }
}
