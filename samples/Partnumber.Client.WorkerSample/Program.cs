using Partnumber.Client.WorkerSample;

var builder = Host.CreateApplicationBuilder(args);

// Binds the "Partnumber" section (BaseAddress, SocketAddress, timeouts, Headers...; or BaseAddress from the connection
// string "partnumber"), registers a singleton IPartnumberClassificationClient over IHttpClientFactory and its readiness
// health check; options are validated when the host starts (a misspelled key stops it).
// <host-builder>
builder.AddPartnumberClassificationClient();
// </host-builder>

builder.Services.AddOptions<WorkerOptions>().Bind(builder.Configuration.GetSection(WorkerOptions.SectionName));
builder.Services.AddHostedService<ClassificationWorker>();

await builder.Build().RunAsync();
