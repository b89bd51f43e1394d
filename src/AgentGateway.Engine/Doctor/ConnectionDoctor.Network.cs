using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Doctor;

/// <summary>
/// The network stages: the proxy or DNS and TCP to a host, and a TLS probe through the client's own stack (the server
/// certificate described; a client certificate accepted or refused).
/// </summary>
internal sealed partial class ConnectionDoctor
{
    private sealed partial class Run
    {
        /// <summary>The proxy (when the route has one: TCP to it), else DNS and TCP to the host. False when it cannot be reached.</summary>
        private async Task<bool> ReachAsync(string what, Uri url)
        {
            var route = _config.ProxySettings.RouteFor(url, Environment);
            if (route.Proxy is { } proxy)
            {
                Add($"{what} DNS", url.Host, StageVerdict.Skip, Stopwatch.GetTimestamp(), "resolved by the proxy");
                var viaProxy = await TcpStageAsync("Proxy", proxy, $"{route} for {url.GetLeftPart(UriPartial.Authority)}").ConfigureAwait(false);
                if (!viaProxy)
                {
                    Skip($"{what} TCP", url.Authority);
                }
                else
                {
                    Add($"{what} TCP", url.Authority, StageVerdict.Skip, Stopwatch.GetTimestamp(), "through the proxy's tunnel (the TLS stage goes through it)");
                }

                return viaProxy;
            }

            var started = Stopwatch.GetTimestamp();
            IPAddress[] addresses;
            try
            {
                using var cts = Budget();
                addresses = IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(url.IdnHost, cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Add($"{what} DNS", url.Host, StageVerdict.Fail, started, $"the host name '{url.Host}' does not resolve: {e.Message}",
                    McpGatewayException.Connection($"Cannot reach '{url.GetLeftPart(UriPartial.Authority)}': the host name '{url.Host}' does not resolve.", url, e));
                return false;
            }

            Add($"{what} DNS", url.Host, StageVerdict.Pass, started, Invariant($"{string.Join(", ", addresses.Take(3).Select(a => a.ToString()))}{(addresses.Length > 3 ? $" and {addresses.Length - 3} more" : string.Empty)}; route: {route}"));
            return await TcpStageAsync($"{what} TCP", url, null).ConfigureAwait(false);
        }

        private async Task<bool> TcpStageAsync(string stage, Uri url, string? detail)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var cts = Budget();
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(url.IdnHost.Trim('[', ']'), url.Port, cts.Token).ConfigureAwait(false);
                Add(stage, url.Authority, StageVerdict.Pass, started, detail ?? Invariant($"connected to {socket.RemoteEndPoint}"));
                return true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var why = e is OperationCanceledException ? "no answer in time" : e.Message;
                Add(stage, url.Authority, StageVerdict.Fail, started, $"cannot connect to {url.Authority}: {why}",
                    stage == "Proxy"
                        ? new HttpProxyException($"Cannot reach the proxy '{ProxySettings.Describe(url)}': {why}.", url, null, null, false, e)
                        : McpGatewayException.Connection($"Cannot reach '{url.GetLeftPart(UriPartial.Authority)}': {why}.", url, e));
                return false;
            }
        }

        /// <summary>
        /// A TLS connection (through the proxy, if any) with one HTTP request: the server certificate is checked and
        /// described; with <paramref name="clientCertificate"/>, any HTTP answer shows that the server accepted it.
        /// </summary>
        private async Task<bool> TlsProbeAsync(string stage, Uri url, X509Certificate2Collection? roots, X509Certificate2? clientCertificate, X509Certificate2Collection? chain, Exception refusal)
        {
            var started = Stopwatch.GetTimestamp();
            var failures = new TlsFailureLog();
            string? server = null;
            var stack = TlsTrust.CreateStack(_config.ProxySettings, Environment, roots, clientCertificate, chain, failures, sockets =>
            {
                var check = sockets.SslOptions.RemoteCertificateValidationCallback;
                sockets.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, presented, errors) =>
                {
                    var trusted = check?.Invoke(sender, certificate, presented, errors) ?? errors == System.Net.Security.SslPolicyErrors.None;
                    if (certificate is X509Certificate2 c)
                    {
                        var left = (int)Math.Floor((c.NotAfter.ToUniversalTime() - doctor._time.GetUtcNow().UtcDateTime).TotalDays);
                        var how = !trusted ? "not trusted" : errors == System.Net.Security.SslPolicyErrors.None ? "trusted by the system store" : "trusted through the trusted CA file";
                        server = Invariant($"server certificate {c.Subject}, valid until {c.NotAfter.ToUniversalTime():yyyy-MM-dd} ({left} days left), {how}");
                    }

                    return trusted;
                };
            });
            using var client = new HttpClient(stack, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            try
            {
                using var cts = Budget();
                using var probe = new HttpRequestMessage(HttpMethod.Get, url);
                probe.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                using var response = await client.SendAsync(probe, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
                var answered = Invariant($"HTTP {(int)response.StatusCode} to a probe");
                Add(stage, url.Authority, StageVerdict.Pass, started, clientCertificate is null
                    ? $"{server ?? "no certificate (plain http)"}; {answered}"
                    : Invariant($"the client certificate {clientCertificate.Subject} was accepted; {answered}"));
                return true;
            }
            catch (HttpProxyException e)
            {
                Add(stage, url.Authority, StageVerdict.Fail, started, e.Message, e);
                return false;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var why = failures.TryTake(url.Host, out var problem) ? problem
                    : e is OperationCanceledException ? "no answer in time"
                    : Innermost(e);
                var trustedServer = server is not null && problem is null;
                if (clientCertificate is null && trustedServer && e is not OperationCanceledException)
                {
                    // The server's certificate was checked and trusted; a server that requires a client certificate then ends a connection without one.
                    Add(stage, url.Authority, StageVerdict.Pass, started, $"{server}; the connection then ended without a client certificate ({why}): the server may require one");
                    return true;
                }

                var error = clientCertificate is not null && trustedServer ? refusal
                    : problem is not null ? refusal is TokenRequestException ? TokenTlsFailure(url, TlsFailureCause.ServerCertificateNotTrusted) : refusal
                    : e;
                Add(stage, url.Authority, StageVerdict.Fail, started, clientCertificate is not null && trustedServer
                    ? $"the server ended the handshake with the client certificate {clientCertificate.Subject}: {why}"
                    : $"{(server is null ? string.Empty : server + "; ")}{why}", error);
                return false;
            }
        }

        private X509Certificate2Collection? TrustedRoots() => _config.TrustedCaPath is { } path ? TrustedCaFile.Load(path) : null;

        private static string Innermost(Exception e)
        {
            while (e.InnerException is not null)
            {
                e = e.InnerException;
            }

            return e.Message.TrimEnd('.');
        }
    }
}
