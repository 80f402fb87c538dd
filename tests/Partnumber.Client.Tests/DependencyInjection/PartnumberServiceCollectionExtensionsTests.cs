using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Partnumber.Client.Tests.DependencyInjection;

public sealed class PartnumberServiceCollectionExtensionsTests : IDisposable
{
    private readonly WireMockServer _server = WireMockServer.Start();

    public void Dispose() => _server.Stop();

    [Fact]
    public void Registers_a_singleton_client_and_returns_the_http_client_builder()
    {
        var services = new ServiceCollection();

        var builder = services.AddPartnumberClassificationClient(o => o.BaseAddress = new Uri("http://localhost:5000"));
        using var provider = services.BuildServiceProvider();

        Assert.Equal("Partnumber.Client:", builder.Name);
        var client = provider.GetRequiredService<IPartnumberClassificationClient>();
        Assert.IsType<PartnumberClassificationClient>(client);
        Assert.Same(client, provider.GetRequiredService<IPartnumberClassificationClient>());
    }

    [Fact]
    public void The_configuration_overload_binds_the_Partnumber_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Partnumber:BaseAddress"] = "http://erp-backend:5000",
            ["Partnumber:SocketAddress"] = "http://erp-realtime:5001",
            ["Partnumber:ConnectTimeout"] = "00:00:03",
            ["Partnumber:ClassificationTimeout"] = "00:02:00",
            ["Partnumber:ClassifyPath"] = "/api/classify",
            ["Partnumber:Headers:X-Api-Key"] = "k1",
            ["Partnumber:Auth:token"] = "t1",
        }).Build();
        var services = new ServiceCollection();

        services.AddPartnumberClassificationClient(configuration);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<PartnumberClassificationClientOptions>>().Value;
        Assert.Equal(new Uri("http://erp-backend:5000"), options.BaseAddress);
        Assert.Equal(new Uri("http://erp-realtime:5001"), options.SocketAddress);
        Assert.Equal(TimeSpan.FromSeconds(3), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), options.ClassificationTimeout);
        Assert.Equal("/api/classify", options.ClassifyPath);
        Assert.Equal("k1", options.Headers["X-Api-Key"]);
        Assert.Equal("t1", options.Auth["token"]);
        Assert.NotNull(provider.GetRequiredService<IPartnumberClassificationClient>());
    }

    [Fact]
    public void The_transport_and_connection_settings_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Partnumber:BaseAddress"] = "http://localhost:5000",
            ["Partnumber:Transports"] = "LongPolling",
            ["Partnumber:ReuseConnections"] = "false",
            ["Partnumber:MaxClassificationsPerConnection"] = "10",
            ["Partnumber:MaxIdleConnections"] = "4",
            ["Partnumber:IdleConnectionTimeout"] = "00:00:15",
            ["Partnumber:AcknowledgeImmediately"] = "False",
            ["Partnumber:StandbyConnections"] = "2",
        }).Build();
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(configuration);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<PartnumberClassificationClientOptions>>().Value;

        Assert.Equal(PartnumberTransports.LongPolling, options.Transports);
        Assert.False(options.ReuseConnections);
        Assert.Equal(10, options.MaxClassificationsPerConnection);
        Assert.Equal(4, options.MaxIdleConnections);
        Assert.Equal(TimeSpan.FromSeconds(15), options.IdleConnectionTimeout);
        Assert.False(options.AcknowledgeImmediately);
        Assert.Equal(2, options.StandbyConnections);
    }

    [Theory]
    [InlineData("websocket, longpolling", PartnumberTransports.WebSocket | PartnumberTransports.LongPolling)]
    [InlineData("WebSocket", PartnumberTransports.WebSocket)]
    public void Transports_bind_by_name_in_any_case(string text, PartnumberTransports expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Partnumber:BaseAddress"] = "http://localhost:5000",
            ["Partnumber:Transports"] = text,
        }).Build();
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(configuration);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(expected, provider.GetRequiredService<IOptions<PartnumberClassificationClientOptions>>().Value.Transports);
    }

    [Theory]
    [InlineData("Transports", "sse")]
    [InlineData("ReuseConnections", "yes")]
    [InlineData("MaxIdleConnections", "many")]
    public void A_malformed_transport_or_connection_setting_fails_with_its_key(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Partnumber:BaseAddress"] = "http://localhost:5000",
            ["Partnumber:" + key] = value,
        }).Build();
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(configuration);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IPartnumberClassificationClient>());

        Assert.Contains("Partnumber:" + key, error.Message);
        Assert.Contains(value, error.Message);
    }

    [Fact]
    public void A_malformed_configuration_value_fails_with_its_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Partnumber:BaseAddress"] = "http://localhost:5000",
            ["Partnumber:ConnectTimeout"] = "ten seconds",
        }).Build();
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(configuration);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IPartnumberClassificationClient>());

        Assert.Contains("Partnumber:ConnectTimeout", error.Message);
    }

    [Fact]
    public async Task A_misspelled_key_stops_the_host_at_start_naming_its_path_and_the_option_meant()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Partnumber:BaseAddress"] = "http://localhost:5000",
            ["Partnumber:ClasificationTimeout"] = "00:02:00",
        });
        builder.Services.AddPartnumberClassificationClient(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Configuration key Partnumber:ClasificationTimeout is not an option of Partnumber.Client (did you mean ClassificationTimeout?)", error.Message);
    }

    [Fact]
    public void The_shipped_configuration_schema_lists_exactly_the_keys_the_binder_reads()
    {
        var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Partnumber.Client", "ConfigurationSchema.json")));
        var section = schema.RootElement.GetProperty("properties").GetProperty("Partnumber");

        Assert.Equal(
            PartnumberOptionsBinder.Keys.Order(StringComparer.Ordinal),
            section.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.False(section.GetProperty("additionalProperties").GetBoolean());
        Assert.All(typeof(PartnumberClassificationClientOptions).GetProperties().Where(p => p.PropertyType == typeof(TimeSpan) || p.PropertyType == typeof(int) || p.PropertyType == typeof(bool) || p.PropertyType == typeof(Uri)),
            p => Assert.Contains(p.Name, PartnumberOptionsBinder.Keys)); // every plain setting is bindable
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }

    [Fact]
    public async Task Invalid_options_stop_the_host_at_start_with_a_message_naming_the_setting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPartnumberClassificationClient(o =>
        {
            o.BaseAddress = new Uri("http://localhost:5000");
            o.ClassificationTimeout = TimeSpan.Zero;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("ClassificationTimeout", error.Message);
    }

    [Fact]
    public void Named_clients_are_keyed_services_with_their_own_options()
    {
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient("erp", o => o.BaseAddress = new Uri("http://erp:5000"));
        services.AddPartnumberClassificationClient("catalogue", o => o.BaseAddress = new Uri("http://catalogue:5000"));
        using var provider = services.BuildServiceProvider();

        var erp = provider.GetRequiredKeyedService<IPartnumberClassificationClient>("erp");
        var catalogue = provider.GetRequiredKeyedService<IPartnumberClassificationClient>("catalogue");

        Assert.NotSame(erp, catalogue);
        var monitor = provider.GetRequiredService<IOptionsMonitor<PartnumberClassificationClientOptions>>();
        Assert.Equal("erp", monitor.Get("erp").BaseAddress.Host);
        Assert.Equal("catalogue", monitor.Get("catalogue").BaseAddress.Host);
        Assert.Null(provider.GetService<IPartnumberClassificationClient>()); // no default registered
    }

    [Fact]
    public async Task The_registered_http_client_applies_the_safe_retry_policy()
    {
        Script503Then202();
        var services = new ServiceCollection();
        services.AddPartnumberClassificationClient(o => o.BaseAddress = new Uri(_server.Url!));
        using var provider = services.BuildServiceProvider();
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("Partnumber.Client:");

        var response = await http.PostAsync(_server.Url + "/classify-partnumber", new StringContent("{}"));

        Assert.Equal(202, (int)response.StatusCode);
        Assert.Equal(2, _server.LogEntries.Count());
    }

    private void Script503Then202()
    {
        _server.Given(Request.Create().WithPath("/classify-partnumber").UsingPost())
            .InScenario("busy").WillSetStateTo("ready")
            .RespondWith(Response.Create().WithStatusCode(503).WithHeader("Retry-After", "0"));
        _server.Given(Request.Create().WithPath("/classify-partnumber").UsingPost())
            .InScenario("busy").WhenStateIs("ready")
            .RespondWith(Response.Create().WithStatusCode(202).WithBody("""{"task_id":"t","room_id":"r"}"""));
    }
}
