using System.Text.Json;
using AgentGateway.Engine.Http;

namespace AgentGateway.Engine.Credentials;

/// <summary>
/// Reads and checks credentials from the source <see cref="CredentialSourceLocator"/> found:
/// every required field by name, errors naming the field and the file or variable, never a value
/// of the certificate or the key. The certificate and key are loaded in memory only.
/// </summary>
internal static class CredentialLoader
{
    public const string CredentialsFileName = "credentials";
    public const string AuthUrlVariable = "INTEGRATION_AUTH_URL";
    public const string GatewayUrlVariable = "INTEGRATION_GATEWAY_URL";
    public const string DependenciesVariable = "INTEGRATION_DEPENDENCIES";

    /// <summary>Loads credentials from <paramref name="source"/>.</summary>
    /// <param name="source">Where to read, as found by <see cref="CredentialSourceLocator"/>.</param>
    /// <param name="getEnvironmentVariable">Reads the environment (transparent mode); tests pass their own.</param>
    /// <param name="timeProvider">The clock that decides whether the certificate has expired.</param>
    public static AgentCredentials Load(CredentialSource source, Func<string, string?>? getEnvironmentVariable = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        getEnvironmentVariable ??= Environment.GetEnvironmentVariable;
        timeProvider ??= TimeProvider.System;
        return source.Kind switch
        {
            CredentialSourceKind.Explicit => LoadFile(source.Location!, source, timeProvider),
            CredentialSourceKind.ServiceBinding => LoadFile(Path.Combine(source.Location!, CredentialsFileName), source, timeProvider),
            CredentialSourceKind.Environment => FromEnvironment(getEnvironmentVariable),
            _ => throw new CredentialException(
                "No credentials found: no credentials file is set, there is no service binding of type " +
                $"'{CredentialSourceLocator.ServiceBindingType}' under ${CredentialSourceLocator.ServiceBindingRootVariable} " +
                $"(default {CredentialSourceLocator.DefaultServiceBindingRoot}), and {CredentialSourceLocator.ClientIdVariable}, {AuthUrlVariable}, {GatewayUrlVariable} and {DependenciesVariable} are not all set.",
                CredentialSourceKind.None,
                null,
                null)
            { Kind = CredentialErrorKind.NotFound },
        };
    }

    /// <summary>Parses the credentials JSON of a file (standard mode: certificate and key required).</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">The source the file belongs to.</param>
    /// <param name="location">The file the JSON came from, for messages.</param>
    /// <param name="timeProvider">The clock that decides whether the certificate has expired.</param>
    public static AgentCredentials Parse(string json, CredentialSource source, string location, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        timeProvider ??= TimeProvider.System;
        var where = new Where(source.Kind, location);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            // JsonException messages carry a position, never the text.
            throw where.Error(null, $"is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}).", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw where.Error(null, "must hold a JSON object.");
            }

            var tokenServiceUrl = RequiredUrl(root, "tokenServiceUrl", where);
            var clientId = RequiredString(root, "clientid", where);
            var certificatePem = RequiredString(root, "certificate", where, secret: true);
            var privateKeyPem = RequiredString(root, "privateKey", where, secret: true);
            var gatewayUrl = RequiredUrl(root, "gatewayUrl", where);
            if (!root.TryGetProperty("integrationDependencies", out var dependenciesElement))
            {
                throw where.Error("integrationDependencies", "is missing.");
            }

            var dependencies = ParseDependencies(dependenciesElement, "integrationDependencies", where);
            var (certificate, chain) = ClientCertificateLoader.Load(certificatePem, privateKeyPem, timeProvider.GetUtcNow(), where.Kind, where.Location);
            return new AgentCredentials(clientId, tokenServiceUrl, gatewayUrl, dependencies, source, certificate, chain);
        }
    }

    /// <summary>Transparent mode: the INTEGRATION_* variables; no certificate, the platform does mTLS.</summary>
    public static AgentCredentials FromEnvironment(Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        var source = new CredentialSource(CredentialSourceKind.Environment, CredentialSourceLocator.ClientIdVariable);

        string Variable(string name)
        {
            var value = getEnvironmentVariable(name);
            return string.IsNullOrWhiteSpace(value)
                ? throw new CredentialException(
                    $"Transparent-mode credentials: environment variable {name} is not set.", CredentialSourceKind.Environment, name, name)
                : value.Trim();
        }

        Uri Url(string name)
        {
            var text = Variable(name);
            if (!TryHttpUrl(text, out var url))
            {
                throw new CredentialException(
                    $"Transparent-mode credentials: environment variable {name} must be an absolute http(s) URL.", CredentialSourceKind.Environment, name, name);
            }

            return IsCleartextToRemote(url)
                ? throw new CredentialException(
                    $"Transparent-mode credentials: environment variable {name} {CleartextProblem(url)}", CredentialSourceKind.Environment, name, name)
                { Kind = CredentialErrorKind.InsecureTransport }
                : url;
        }

        var clientId = Variable(CredentialSourceLocator.ClientIdVariable);
        var authUrl = Url(AuthUrlVariable);
        var gatewayUrl = Url(GatewayUrlVariable);
        var dependenciesText = Variable(DependenciesVariable);
        var where = new Where(CredentialSourceKind.Environment, DependenciesVariable);
        IReadOnlyList<IntegrationDependency> dependencies;
        try
        {
            using var document = JsonDocument.Parse(dependenciesText);
            dependencies = ParseDependencies(document.RootElement, DependenciesVariable, where);
        }
        catch (JsonException e)
        {
            throw where.Error(DependenciesVariable, $"is not valid JSON (position {e.BytePositionInLine + 1}); expected an array like [{{\"ordId\": \"...\", \"globalTenantId\": \"...\"}}].", e);
        }

        return new AgentCredentials(clientId, authUrl, gatewayUrl, dependencies, source);
    }

    /// <summary>The largest credentials file read (a real one is a few KB: a certificate, a key, some URLs).</summary>
    public const int MaxFileBytes = 1024 * 1024;

    private static AgentCredentials LoadFile(string path, CredentialSource source, TimeProvider timeProvider)
    {
        string json;
        try
        {
            // Looked at before it is opened: a FIFO would block the open until a writer came, and a device
            // (/dev/zero) never ends. Both, like an empty file, have no size; a regular file with content has one.
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new CredentialException($"Credentials file '{path}' does not exist.", source.Kind, path, null);
            }

            if (info.Length == 0)
            {
                throw new CredentialException($"Credentials file '{path}' is empty, or is not a regular file (a pipe or a device); nothing was read.", source.Kind, path, null);
            }

            if (info.Length > MaxFileBytes)
            {
                throw new CredentialException($"Credentials file '{path}' is {info.Length} bytes, more than the {MaxFileBytes} a credentials file can be; nothing was read.", source.Kind, path, null);
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            var buffer = new byte[MaxFileBytes + 1];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = stream.Read(buffer, read, buffer.Length - read)) > 0)
            {
                read += n;
            }

            if (read > MaxFileBytes)
            {
                throw new CredentialException($"Credentials file '{path}' grew past {MaxFileBytes} bytes while it was read; nothing was used.", source.Kind, path, null);
            }

            json = new System.Text.UTF8Encoding(false).GetString(buffer, 0, read).TrimStart('\uFEFF');
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CredentialException($"Credentials file '{path}' does not exist.", source.Kind, path, null, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialException($"Credentials file '{path}' cannot be read: {e.Message}", source.Kind, path, null, e);
        }

        return Parse(json, source, path, timeProvider);
    }

    private static List<IntegrationDependency> ParseDependencies(JsonElement element, string field, Where where)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw where.Error(field, "must be a JSON array of {\"ordId\", \"globalTenantId\"} objects.");
        }

        var list = new List<IntegrationDependency>();
        var index = 0;
        foreach (var entry in element.EnumerateArray())
        {
            var entryField = $"{field}[{index}]";
            if (entry.ValueKind != JsonValueKind.Object)
            {
                throw where.Error(entryField, "must be an object with ordId and globalTenantId.");
            }

            var ordId = RequiredString(entry, "ordId", where, prefix: entryField);
            var tenant = RequiredString(entry, "globalTenantId", where, prefix: entryField);
            list.Add(new IntegrationDependency(ordId, tenant));
            index++;
        }

        return list;
    }

    private static string RequiredString(JsonElement parent, string name, Where where, bool secret = false, string? prefix = null)
    {
        var field = prefix is null ? name : $"{prefix}.{name}";
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw where.Error(field, "is missing.");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw where.Error(field, $"must be a string{(secret ? " (PEM text)" : string.Empty)}, not {value.ValueKind}.");
        }

        var text = value.GetString();
        return string.IsNullOrWhiteSpace(text) ? throw where.Error(field, "is empty.") : text.Trim();
    }

    private static Uri RequiredUrl(JsonElement parent, string name, Where where)
    {
        var text = RequiredString(parent, name, where);
        if (!TryHttpUrl(text, out var url))
        {
            throw where.Error(name, "must be an absolute http(s) URL.");
        }

        if (IsCleartextToRemote(url))
        {
            throw where.Error(name, CleartextProblem(url), insecureTransport: true);
        }

        return url;
    }

    /// <summary>
    /// The transport rule, for every request the module makes: no credential, bearer token or user JWT over
    /// plain http except to a loopback address (a local proxy or a test server).
    /// </summary>
    private static bool IsCleartextToRemote(Uri url) => !TransportRule.MaySendBearerTo(url);

    private static string CleartextProblem(Uri url) =>
        $"is plain http to '{url.Host}', which is not a loopback address: client credentials, tokens and user JWTs would travel in clear text. Use https (plain http is allowed only to localhost).";

    private static bool TryHttpUrl(string text, out Uri url) =>
        Uri.TryCreate(text, UriKind.Absolute, out url!) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);

    private readonly record struct Where(CredentialSourceKind Kind, string Location)
    {
        public CredentialException Error(string? field, string problem, Exception? inner = null, bool insecureTransport = false)
        {
            var what = Kind == CredentialSourceKind.Environment ? $"Environment variable {Location}" : $"Credentials file '{Location}'";
            var message = field is null || field == Location ? $"{what} {problem}" : $"{what}: field '{field}' {problem}";
            return insecureTransport
                ? new CredentialException(message, Kind, Location, field, inner) { Kind = CredentialErrorKind.InsecureTransport }
                : new CredentialException(message, Kind, Location, field, inner);
        }
    }
}
