// Build outputs for CodeBuild: artifact zips, the cache between builds, and test reports, for the build runner.
export type { ArtifactFileInfo, ArtifactOutput, BuildArtifactsShape, CollectArtifactsOptions, CollectedArtifacts } from './artifacts.ts';
export { collectArtifacts, DEFAULT_ARTIFACT_BUCKET } from './artifacts.ts';
export type { SelectedFile, Selection, SelectOptions, SelectSpec } from './select.ts';
export { NO_MATCHING_ARTIFACT_PATHS, selectFiles } from './select.ts';
export type { StoredArchive, ZipEntryInfo } from './zip.ts';
export { extractZip, listZip, readZipEntry } from './zip.ts';
export type { CacheMount, CacheRoots } from './cache-archive.ts';
export { cacheMountPoints } from './cache-archive.ts';
export type { CacheEntryInfo, CacheOptions, RestoreResult, SaveResult } from './cache.ts';
export { CACHE_MIGRATIONS, cacheVersion, listCaches, restoreCache, saveCache } from './cache.ts';
export type { ParsedTestCase, TestStatus } from './junit.ts';
export { parseCucumberJson, parseJUnitXml, ReportParseError } from './junit.ts';
export type { CollectedReport, CollectReportsOptions, ReportShape, TestCaseShape } from './reports.ts';
export { collectReports, reportGroupOf, SUPPORTED_REPORT_FORMATS } from './reports.ts';
export { describeTestCases, getReports, REPORT_MIGRATIONS, reportsForBuild, reportsForGroup, saveReports } from './report-store.ts';
export { parseNUnit2Xml, parseNUnit3Xml, parseTestNgXml, parseTrx } from './xml-reports.ts';
