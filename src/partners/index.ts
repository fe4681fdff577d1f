/** Partner folders: `partners/<id>/partner.yaml`, its schema, the loader and routing. */
export { DurationSchema, partnerJsonSchema, PartnerFileSchema, describeIdentity, identityKey, MESSAGE_TYPES, standardOfMessageType } from './schema';
export type {
  AckType,
  Acknowledgments,
  Channels,
  DocumentEntry,
  Duplicates,
  EdifactIdentity,
  EdifactSettings,
  Identity,
  InboundChannel,
  OdooSettings,
  OutboundChannel,
  PartnerFile,
  PartnerFileInput,
  SecretRef,
  ValidationSettings,
  X12Identity,
  X12Settings,
} from './schema';
export { parseDuration, formatDuration } from './duration';
export { PartnerConfigError, PartnerConfigErrors } from './errors';
export { checkPartners, defaultPartnersRoot, loadPartners } from './loader';
export type { LoadPartnersOptions } from './loader';
export { PartnerRegistry } from './registry';
export type { Partner, RoutedPartner, RouteResult, RoutingGroup, RoutingInterchange, UnknownPartner } from './registry';
