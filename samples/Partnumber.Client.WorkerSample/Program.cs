using Partnumber.Client.WorkerSample;

var builder = Host.CreateApplicationBuilder(args);

// Binds the "Partnumber" section (BaseAddress, SocketAddress, timeouts, Headers...) and registers a singleton
// IPartnumberClassificationClient over IHttpClientFactory; options are validated when the host starts.
builder.Services.AddPartnumberClassificationClient(builder.Configuration);

builder.Services.AddOptions<WorkerOptions>().Bind(builder.Configuration.GetSection(WorkerOptions.SectionName));
builder.Services.AddHostedService<ClassificationWorker>();

await builder.Build().RunAsync();
