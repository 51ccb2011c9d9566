"""Order stores for the platforms Italian shops use most: WooCommerce, Shopify and PrestaShop.

Each class implements `bot.actions.api.order_model.OrderStore` over the platform's own API (settings,
calls, status mappings and errors: docs/connectors.md). `get_order_store` picks one from
`ORDER_STORE`.
"""

from bot.actions.api.connectors.prestashop import PrestaShopOrderStore
from bot.actions.api.connectors.shopify import ShopifyOrderStore
from bot.actions.api.connectors.woocommerce import WooCommerceOrderStore

__all__ = ["PrestaShopOrderStore", "ShopifyOrderStore", "WooCommerceOrderStore"]
